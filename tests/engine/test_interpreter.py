"""The interpreter driven by hand: every verb's effects and how outcomes steer it (no engine)."""

from __future__ import annotations

import inspect

import pytest

from rcml import effects as e
from rcml import interpreter as i
from rcml import nodes as n
from rcml.xml_reader import parse_xml

URL = "http://app.test/ivr"
LISTEN = e.InputSpec(True, False, "*0123456789", "#")
COLLECTING = e.InputSpec(True, False, None, "#")


def run(world, xml, *, answered=False, url=URL, mode=i.Mode.CALL, hung_up=False):
    ctx = i.Context(url, answered=answered, caller="+15550001111", called="+15551112222", mode=mode)
    ctx.hung_up = hung_up
    world.run(i.call_program(ctx, i.InlineStart(parse_xml(xml), url)))
    return world.effects


def say(text, duration, listen=None, loop=1):
    return e.Speak(text, "man", "en", loop, duration, listen)


END = e.Hangup("end-of-document")


def test_every_verb_class_has_a_handler():
    verbs = {cls for cls in n.NODE_CLASSES if issubclass(cls, n.Verb)}
    assert set(i.HANDLERS) == verbs
    for mode in i.Mode:
        assert set(i.MODE_HANDLERS[mode]) == verbs
    assert all(inspect.isgeneratorfunction(handler) for handler in i.HANDLERS.values())


# --- media ---------------------------------------------------------------------------------------


def test_say_answers_then_speaks_for_0_4_s_per_word_and_hangs_up_at_the_end(world):
    w = world()
    effects = run(w, "<Response><Say voice='alice' loop='2'>Hello  big\nworld</Say></Response>")
    assert effects == [e.ANSWER, e.Speak("Hello big world", "alice", "en", 2, 2400), END]
    assert w.ending is i.Ending.END


def test_say_loop_zero_repeats_a_thousand_times_and_empty_text_takes_no_time(world):
    effects = run(world(), "<Response><Say loop='0'>hi</Say><Say></Say></Response>")
    assert effects == [e.ANSWER, e.Speak("hi", "man", "en", 0, 400_000), END]


def test_ssml_breaks_add_their_time(world):
    xml = "<Response><Say>Hi <break time='2s'/>there<break/><break time='250ms'/></Say></Response>"
    assert run(world(), xml)[1] == say("Hi there", 800 + 2000 + 500 + 250)


def test_play_resolves_its_url_and_lasts_5_s_per_repetition(world):
    effects = run(world(), "<Response><Play loop='3'>/audio/a.wav</Play></Response>")
    assert effects == [e.ANSWER, e.PlayAudio("http://app.test/audio/a.wav", 3, 15_000), END]


def test_play_digits_plays_tones_half_a_second_each(world):
    effects = run(world(), "<Response><Play digits='12w#'/></Response>")
    assert effects == [e.ANSWER, e.PlayTones("12w#", 2000), END]


def test_pause_does_not_answer_and_an_unanswered_document_end_hangs_up_unanswered(world):
    effects = run(world(), "<Response><Pause length='3'/></Response>")
    assert effects == [e.Silence(3, 3000), END]


def test_a_hang_up_during_media_runs_only_sms_and_email_afterwards(world):
    w = world(script=[(e.Speak, e.HUNG_UP)])
    effects = run(
        w,
        """<Response><Say>one</Say><Say>two</Say><Redirect>/x</Redirect>
        <Sms>bye</Sms><Pause/><Email to='a@b.c' from='d@e.f'>mail</Email></Response>""",
    )
    assert effects == [
        e.ANSWER,
        say("one", 400),
        e.SendSms("+15550001111", "+15551112222", "bye"),
        e.SendEmail("a@b.c", "d@e.f", None, None, "Restcomm Email Service", "mail"),
    ]
    assert w.ending is i.Ending.END


def test_a_modification_during_media_stops_the_program(world):
    w = world(script=[(e.Speak, e.MODIFIED)])
    effects = run(w, "<Response><Say>one</Say><Sms>no</Sms></Response>")
    assert effects == [e.ANSWER, say("one", 400)]
    assert w.ending is i.Ending.STOPPED


# --- Gather --------------------------------------------------------------------------------------


def gather_note(action=URL, num_digits=None, finish="#", timeout=5, input="dtmf"):
    return e.Note("gather", {"input": input, "timeout": timeout, "finish_on_key": finish,
                             "num_digits": num_digits, "action": action})  # fmt: skip


def gather_end(digits="", reason="timeout", speech=None):
    return e.Note("gather-end", {"digits": digits, "speech": speech, "reason": reason})


def test_gather_barge_in_skips_the_remaining_prompts_and_num_digits_ends_input(world):
    w = world(script=[(e.Speak, e.Keys("1")), (e.AwaitInput, e.Keys("23#"))], docs={
        "http://app.test/menu": "<Response><Say>menu</Say></Response>"})  # fmt: skip
    effects = run(
        w,
        """<Response><Gather action='/menu' numDigits='3'>
        <Say>Press</Say><Play>/a.wav</Play></Gather></Response>""",
    )
    assert effects == [
        e.ANSWER,
        gather_note("http://app.test/menu", 3),
        say("Press", 400, LISTEN),
        e.AwaitInput(5000, COLLECTING),
        gather_end("123", "num-digits"),
        e.Fetch("action", "http://app.test/menu", "POST", {"Digits": "123"}),
        say("menu", 400),
        END,
    ]


def test_gather_finish_key_is_not_collected_and_is_sent_as_finished_on_key(world):
    w = world(script=[(e.AwaitInput, e.Keys("4")), (e.AwaitInput, e.Keys("2#9"))])
    effects = run(w, "<Response><Gather><Say>x</Say></Gather></Response>")
    assert effects[3:] == [
        e.AwaitInput(5000, LISTEN),
        e.AwaitInput(5000, COLLECTING),
        gather_end("42", "finish-key"),
        e.Fetch("action", URL, "POST", {"Digits": "42", "FinishedOnKey": "#"}),
        e.Hangup("fetch-failure", "failed"),
    ]


def test_gather_without_input_makes_no_request_and_goes_on(world):
    w = world(script=[(e.AwaitInput, e.TIMED_OUT)])
    effects = run(w, "<Response><Gather timeout='7'/><Say>next</Say></Response>")
    assert effects == [
        e.ANSWER,
        gather_note(timeout=7),
        e.AwaitInput(7000, LISTEN),
        gather_end(),
        say("next", 400),
        END,
    ]


def test_only_the_finish_key_counts_as_empty(world):
    w = world(script=[(e.AwaitInput, e.Keys("#"))])
    effects = run(w, "<Response><Gather/></Response>")
    assert effects[-2:] == [gather_end("", "finish-key"), END]


def test_action_on_empty_result_sends_empty_digits(world):
    w = world(script=[(e.AwaitInput, e.TIMED_OUT)])
    effects = run(w, "<Response><Gather actionOnEmptyResult='true' method='GET'/></Response>")
    assert effects[-2] == e.Fetch("action", URL, "GET", {"Digits": ""})


def test_speech_sends_speech_result_and_confidence_but_no_digits(world):
    w = world(script=[(e.Speak, e.Speech("sales please", 0.8))])
    effects = run(w, "<Response><Gather input='speech dtmf'><Say>Say it</Say></Gather></Response>")
    spec = e.InputSpec(True, True, "*0123456789", "#")
    assert effects[1:5] == [
        gather_note(input="dtmf speech"),
        say("Say it", 800, spec),
        gather_end("", "speech", "sales please"),
        e.Fetch("action", URL, "POST", {"SpeechResult": "sales please", "Confidence": "0.8"}),
    ]


def test_start_input_key_ignores_other_keys_until_input_starts(world):
    w = world(script=[(e.AwaitInput, e.Keys("*1*2"))])
    run(w, "<Response><Gather startInputKey='1' numDigits='3'/></Response>")
    assert w.effects[2:4] == [
        e.AwaitInput(5000, e.InputSpec(True, False, "1", "#")),
        gather_end("1*2", "num-digits"),
    ]


def test_each_gather_uses_only_its_own_attributes(world):
    w = world(script=[(e.AwaitInput, e.Keys("1")), (e.AwaitInput, e.Keys("1")),
                      (e.AwaitInput, e.Keys("2#"))])  # fmt: skip
    run(w, "<Response><Gather numDigits='1' action='http://x.test/a'/><Gather/></Response>",
        url=None)  # fmt: skip
    fetches = [effect for effect in w.effects if isinstance(effect, e.Fetch)]
    assert fetches == [e.Fetch("action", "http://x.test/a", "POST", {"Digits": "1"})]


def test_gather_in_an_inline_document_without_action_goes_on(world):
    w = world(script=[(e.AwaitInput, e.Keys("5#"))])
    effects = run(w, "<Response><Gather/><Say>after</Say></Response>", url=None)
    assert effects[-3:] == [gather_end("5", "finish-key"), say("after", 400), END]


def test_hang_up_during_gather_discards_input(world):
    w = world(script=[(e.AwaitInput, e.Keys("1")), (e.AwaitInput, e.HUNG_UP)])
    effects = run(w, "<Response><Gather/><Sms>bye</Sms></Response>")
    assert effects[-2:] == [
        gather_end("1", "hangup"),
        e.SendSms("+15550001111", "+15551112222", "bye"),
    ]


def test_modification_during_gather_discards_input_and_stops(world):
    w = world(script=[(e.AwaitInput, e.MODIFIED)])
    effects = run(w, "<Response><Gather/><Say>x</Say></Response>")
    assert effects[-1] == gather_end("", "modified")
    assert w.ending is i.Ending.STOPPED


# --- Record --------------------------------------------------------------------------------------


def test_record_sends_duration_sid_url_and_the_finish_key(world):
    recorded = e.Recorded(7499, "#", "RE1", "http://rcml.invalid/recordings/RE1.wav")
    w = world(script=[(e.RecordAudio, recorded)])
    effects = run(w, "<Response><Record maxLength='60' timeout='3' action='/saved'/></Response>")
    assert effects == [
        e.ANSWER,
        e.Note(
            "record",
            {"max_length": 60, "timeout": 3, "finish_on_key": "1234567890*#", "beep": True},
        ),  # fmt: skip
        e.RecordAudio(60_000, 3000, "1234567890*#"),
        e.Note(
            "record-end",
            {
                "duration": 7,
                "recording_sid": "RE1",
                "recording_url": recorded.recording_url,
                "digits": "#",
            },
        ),  # fmt: skip
        e.Fetch(
            "action",
            "http://app.test/saved",
            "POST",
            {
                "RecordingDuration": "7",
                "RecordingSid": "RE1",
                "RecordingUrl": recorded.recording_url,
                "Digits": "#",
            },
        ),  # fmt: skip
        e.Hangup("fetch-failure", "failed"),
    ]


def test_an_empty_recording_still_requests_the_action_without_sid(world):
    w = world(script=[(e.RecordAudio, e.Recorded(5000))])
    effects = run(w, "<Response><Record finishOnKey='-1'/></Response>")
    assert effects[2] == e.RecordAudio(3_600_000, 5000, "")
    assert effects[4] == e.Fetch("action", URL, "POST", {"RecordingDuration": "5"})


def test_record_after_hang_up_requests_the_action_and_runs_it_in_post_hang_up_mode(world):
    recorded = e.Recorded(2000, "hangup", "RE1", "u", e.Interrupt.HANGUP)
    w = world(script=[(e.RecordAudio, recorded)],
              docs={URL: "<Response><Say>x</Say><Sms>saved</Sms></Response>"})  # fmt: skip
    effects = run(w, "<Response><Record/><Say>never</Say></Response>")
    assert effects[4:] == [
        e.Fetch(
            "action",
            URL,
            "POST",
            {
                "RecordingDuration": "2",
                "RecordingSid": "RE1",
                "RecordingUrl": "u",
                "Digits": "hangup",
            },
        ),  # fmt: skip
        e.SendSms("+15550001111", "+15551112222", "saved"),
    ]


def test_record_cut_by_a_modification_is_saved_but_requests_nothing(world):
    recorded = e.Recorded(2000, None, "RE1", "u", e.Interrupt.MODIFY)
    w = world(script=[(e.RecordAudio, recorded)])
    effects = run(w, "<Response><Record/></Response>")
    assert type(effects[-1]) is e.Note and effects[-1].type == "record-end"
    assert w.ending is i.Ending.STOPPED


def test_recording_status_callback_is_notified_for_a_non_empty_recording(world):
    w = world(script=[(e.RecordAudio, e.Recorded(3000, None, "RE1", "u"))])
    run(w, "<Response><Record recordingStatusCallback='/rec' action='/a'/></Response>")
    assert w.effects[4] == e.Notify("http://app.test/rec", "POST", {
        "RecordingDuration": "3", "RecordingSid": "RE1", "RecordingUrl": "u",
        "RecordingStatus": "completed"})  # fmt: skip


# --- Redirect, Hangup, Reject, Leave, messages ---------------------------------------------------


def test_redirect_replaces_the_document_and_later_verbs_never_run(world):
    w = world(docs={"http://app.test/next": "<Response><Hangup/></Response>"})
    effects = run(w, "<Response><Redirect method='GET'>next</Redirect><Say>no</Say></Response>")
    assert effects == [
        e.ANSWER,
        e.Note("redirect", {"url": "http://app.test/next"}),
        e.Fetch("redirect", "http://app.test/next", "GET", {}),
        e.Hangup("verb"),
    ]
    assert w.ending is i.Ending.STOPPED


def test_a_relative_url_without_a_document_url_fails_with_11100(world):
    effects = run(world(), "<Response><Redirect>/next</Redirect></Response>", url=None)
    assert effects[2].code == 11100
    assert effects[3:] == [e.Hangup("fetch-failure", "failed")]


def test_a_request_interrupted_in_flight_runs_nothing_more(world):
    w = world(script=[(e.Fetch, e.HUNG_UP)])
    effects = run(w, "<Response><Redirect>/next</Redirect><Sms>x</Sms></Response>")
    assert effects[-1] == e.Fetch("redirect", "http://app.test/next", "POST", {})
    assert w.ending is i.Ending.STOPPED


def test_hangup_answers_a_ringing_call_first(world):
    assert run(world(), "<Response><Hangup/><Say>x</Say></Response>") == [
        e.ANSWER,
        e.Hangup("verb"),
    ]


def test_reject_on_a_ringing_call_and_on_an_answered_one(world):
    assert run(world(), "<Response><Reject reason='busy'/><Say>x</Say></Response>") == [
        e.RejectCall("busy", 486)
    ]
    effects = run(world(), "<Response><Say>a</Say><Reject/></Response>")
    assert effects[2:] == [e.Warn(99001, "<Reject> skipped: the call is already answered"), END]


def test_leave_outside_a_queue_is_ignored_with_99004(world):
    assert run(world(), "<Response><Leave/></Response>") == [
        e.ANSWER,
        e.Warn(99004, "<Leave> ignored: the call is not waiting in a queue"),
        END,
    ]


def test_sms_notifies_its_status_callback_and_requests_its_action(world):
    w = world(docs={"http://app.test/sent": "<Response/>"})
    effects = run(
        w,
        """<Response><Sms to='+1999' statusCallback='/cb' action='/sent'>Hi</Sms>
        </Response>""",
    )
    params = {"SmsSid": "SM" + "0" * 31 + "1", "SmsStatus": "sent"}
    assert effects == [
        e.ANSWER,
        e.SendSms("+1999", "+15551112222", "Hi"),
        e.Notify("http://app.test/cb", "POST", params),
        e.Fetch("action", "http://app.test/sent", "POST", params),
        END,
    ]


def test_fax_does_not_run_after_hang_up_but_email_does(world):
    effects = run(world(), "<Response><Fax>/doc.pdf</Fax><Email to='a@b.c' from='d@e.f'/>"
                  "</Response>", hung_up=True)  # fmt: skip
    assert effects == [e.SendEmail("a@b.c", "d@e.f", None, None, "Restcomm Email Service", "")]


def test_fax_sends_the_resolved_document_url(world):
    effects = run(world(), "<Response><Fax from='+1777'>/doc.pdf</Fax></Response>")
    assert effects[1] == e.SendFax("+15550001111", "+1777", "http://app.test/doc.pdf")


# --- the first document --------------------------------------------------------------------------


def test_a_failed_first_document_tries_the_fallback_with_error_code_and_url(world):
    w = world(docs={"http://app.test/fb": "<Response><Say>sorry</Say></Response>"})
    ctx = i.Context(None)
    w.run(i.call_program(ctx, i.FetchStart(URL, "GET", "http://app.test/fb")))
    assert w.effects == [
        e.Fetch("rcml", URL, "GET", {}),
        e.Fetch("fallback", "http://app.test/fb", "POST", {"ErrorCode": "11200", "ErrorUrl": URL}),
        e.ANSWER,
        say("sorry", 400),
        END,
    ]


def test_when_the_fallback_fails_too_the_call_is_hung_up_as_failed(world):
    w = world()
    w.run(i.call_program(i.Context(None), i.FetchStart(URL, "POST", "http://app.test/fb")))
    assert w.effects[-1] == e.Hangup("fetch-failure", "failed")
    assert w.ending is i.Ending.STOPPED


# --- Dial ----------------------------------------------------------------------------------------


def report(sid, status, created=0, answered=None, ended=0, ringing=False):
    return e.BranchReport(sid, status, created, answered, ended, ringing)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (e.DialResult(e.DialEnd.BRIDGED, (report("A", "canceled", ringing=True),
                      report("B", "completed", 0, 2000, 62_000)), "B"), ("completed", "B")),
        (e.DialResult(e.DialEnd.SCREENED_OUT, (report("A", "completed", 0, 2000, 5000),),
                      "A"), ("no-answer", "A")),
        (e.DialResult(e.DialEnd.CANCELED, (report("A", "busy"), report("B", "canceled",
                      ringing=True), report("C", "canceled", ringing=True))), ("canceled", "B")),
        (e.DialResult(e.DialEnd.TIMEOUT, (report("A", "failed"), report("B", "no-answer",
                      ringing=True))), ("no-answer", "B")),
        (e.DialResult(e.DialEnd.EXHAUSTED, (report("A", "failed"), report("B", "busy"),
                      report("C", "busy"))), ("busy", "B")),
        (e.DialResult(e.DialEnd.EXHAUSTED, (report("A", "failed"),)), ("failed", "A")),
        (e.DialResult(e.DialEnd.EXHAUSTED), ("failed", None)),
    ],
)  # fmt: skip
def test_dial_call_status_follows_the_first_rule_that_applies(result, expected):
    status, named = i.dial_status(result)
    assert (status, named.sid if named else None) == expected


def test_dial_builds_branches_and_sends_the_action_parameters(world):
    result = e.DialResult(e.DialEnd.BRIDGED, (
        report("CA2", "completed", 1000, 3499, 63_500),
        report("CA3", "canceled", 1000, None, 3499, True)), "CA2")  # fmt: skip
    w = world(script=[(e.DialOut, result)], docs={"http://app.test/after": "<Response/>"})
    effects = run(
        w,
        """<Response><Dial action='/after' timeout='20' callerId='+1444'>
        <Number sendDigits='ww1' url='/screen' statusCallback='/cb'
                statusCallbackEvent='initiated answered'>+15557654321?X-Team=a%20b</Number>
        <Client><Identity>alice</Identity><Parameter name='k' value='v'/></Client>
        <Sip username='u' password='p'>sip:bob@example.com;transport=tcp</Sip>
        </Dial><Say>never</Say></Response>""",
    )
    assert effects[1] == e.Note("dial", {
        "targets": ["+15557654321", "client:alice", "sip:bob@example.com;transport=tcp"],
        "timeout": 20, "time_limit": 14400, "caller_id": "+1444", "record": False,
        "headers": {"+15557654321": {"X-Team": "a b"}},
        "parameters": {"client:alice": {"k": "v"}},
        "credentials": {"sip:bob@example.com;transport=tcp": {"username": "u", "password": "p"}},
    })  # fmt: skip
    callback = e.ProgressCallback("http://app.test/cb", "POST", ("initiated", "answered"))
    assert effects[2] == e.DialOut((
        e.Branch("number", "+15557654321", (("X-Team", "a b"),), "ww1", "/screen", "POST",
                 callback),
        e.Branch("client", "client:alice", parameters=(("k", "v"),)),
        e.Branch("sip", "sip:bob@example.com;transport=tcp"),
    ), 20_000, 14_400_000, "+1444", base_url=URL)  # fmt: skip
    assert effects[3:] == [
        e.Fetch(
            "action",
            "http://app.test/after",
            "POST",
            {
                "DialCallStatus": "completed",
                "DialCallSid": "CA2",
                "DialCallDuration": "60",
                "DialRingDuration": "2",
            },
        ),  # fmt: skip
        END,
    ]


def test_dial_without_action_goes_on_and_caller_id_defaults_to_the_callers_number(world):
    w = world(script=[(e.DialOut, e.DialResult(e.DialEnd.EXHAUSTED))])
    effects = run(w, "<Response><Dial>client:bob</Dial><Say>next</Say></Response>")
    assert effects[2].caller_id == "+15550001111"
    assert effects[3:] == [say("next", 400), END]


def test_answer_on_bridge_leaves_the_caller_ringing(world):
    w = world(script=[(e.DialOut, e.DialResult(e.DialEnd.TIMEOUT))])
    effects = run(w, "<Response><Dial answerOnBridge='true'>+1555</Dial><Pause/></Response>")
    assert [type(effect) for effect in effects] == [e.Note, e.DialOut, e.Silence, e.Hangup]


def test_dial_ended_by_hang_up_requests_the_action_then_runs_post_hang_up(world):
    result = e.DialResult(e.DialEnd.CANCELED, (report("CA2", "canceled", 0, None, 5000, True),),
                          interrupt=e.Interrupt.HANGUP)  # fmt: skip
    w = world(
        script=[(e.DialOut, result)],
        docs={"http://app.test/after": "<Response><Sms>bye</Sms><Say>x</Say></Response>"},
    )
    effects = run(w, "<Response><Dial action='/after'>client:alice</Dial></Response>")
    assert effects[3:] == [
        e.Fetch(
            "action",
            "http://app.test/after",
            "POST",
            {
                "DialCallStatus": "canceled",
                "DialCallSid": "CA2",
                "DialCallDuration": "0",
                "DialRingDuration": "5",
            },
        ),  # fmt: skip
        e.SendSms("+15550001111", "+15551112222", "bye"),
    ]


def test_dial_cut_by_a_modification_requests_the_action_and_ignores_it(world):
    result = e.DialResult(e.DialEnd.CANCELED, interrupt=e.Interrupt.MODIFY)
    w = world(script=[(e.DialOut, result)], docs={"http://app.test/after": "<Response/>"})
    effects = run(w, "<Response><Dial action='/after'>client:a</Dial><Say>x</Say></Response>")
    assert effects[-1] == e.FetchIgnored("action", "http://app.test/after", "POST",
                                         {"DialCallStatus": "canceled"})  # fmt: skip
    assert w.ending is i.Ending.STOPPED


def test_dial_record_adds_the_recording_parameters(world):
    result = e.DialResult(
        e.DialEnd.BRIDGED,
        (report("CA2", "completed", 0, 0, 9000),),
        "CA2",
        recording_duration_ms=9000,
        recording_sid="RE1",
        recording_url="u",
    )
    w = world(script=[(e.DialOut, result)])
    run(w, "<Response><Dial record='true' action='/a'>+1555</Dial></Response>")
    assert w.effects[3].params == {
        "DialCallStatus": "completed", "DialCallSid": "CA2", "DialCallDuration": "9",
        "DialRingDuration": "0", "RecordingUrl": "u", "RecordingSid": "RE1",
        "RecordingDuration": "9"}  # fmt: skip


def test_conference_join_and_the_action_after_leaving(world):
    w = world(script=[(e.JoinConference, e.ConferenceResult(True))])
    effects = run(
        w,
        """<Response><Dial action='/after' timeLimit='60' hangupOnStar='true'>
        <Conference beep='onExit' waitUrl='/music.mp3' maxParticipants='3'>room</Conference>
        </Dial></Response>""",
    )
    assert effects[:3] == [
        e.ANSWER,
        e.JoinConference(
            "room", False, "onExit", True, False, "/music.mp3", "POST", 3, 60_000, True, URL
        ),  # fmt: skip
        e.Fetch("action", "http://app.test/after", "POST", {"DialCallStatus": "completed"}),
    ]


def test_a_full_conference_skips_the_dial_without_action(world):
    w = world(script=[(e.JoinConference, e.ConferenceResult(False))])
    effects = run(w, "<Response><Dial action='/a'><Conference>r</Conference></Dial></Response>")
    assert effects[2:] == [END]


def test_dequeue_sends_queue_parameters(world):
    result = e.DialResult(e.DialEnd.BRIDGED, winner="CA1", queue_sid="QU1", queue_time_ms=12_500,
                          bridge_ms=30_000)  # fmt: skip
    w = world(script=[(e.DialQueue, result)])
    xml = "<Response><Dial action='/a'><Queue url='/q'>support</Queue></Dial></Response>"
    effects = run(w, xml)
    assert effects[1] == e.DialQueue("support", "/q", "POST", 30_000, 14_400_000, base_url=URL)
    assert effects[2].params == {
        "DialCallStatus": "completed",
        "DialCallSid": "CA1",
        "DialCallDuration": "30",
        "QueueSid": "QU1",
        "QueueTime": "13",
    }


def test_enqueue_action_gets_queue_result(world):
    w = world(script=[(e.EnqueueCall, e.QueueResult("leave", "QU1", 4000))])
    effects = run(w, "<Response><Enqueue action='/a' waitUrl='/w'>support</Enqueue></Response>")
    assert effects[1:3] == [
        e.EnqueueCall("support", "/w", "POST", URL),
        e.Fetch(
            "action",
            "http://app.test/a",
            "POST",
            {"QueueResult": "leave", "QueueSid": "QU1", "QueueTime": "4"},
        ),  # fmt: skip
    ]


def test_enqueue_cut_by_a_modification_reports_redirected_and_stops(world):
    w = world(script=[(e.EnqueueCall, e.QueueResult("hangup", "QU1", 0, e.Interrupt.MODIFY))])
    run(w, "<Response><Enqueue action='/a'>q</Enqueue><Say>x</Say></Response>")
    assert w.effects[-1].params["QueueResult"] == "redirected"
    assert w.ending is i.Ending.STOPPED


# --- other programs ------------------------------------------------------------------------------


def test_screening_ends_normally_so_the_bridge_follows(world):
    w = world(docs={"http://app.test/screen": "<Response><Say>Call for you</Say></Response>"})
    ctx = i.Context(URL, answered=True, mode=i.Mode.SCREENING)
    w.run(i.screening_program(ctx, "/screen", "GET"))
    assert w.effects == [e.Fetch("screening", "http://app.test/screen", "GET", {}),
                         say("Call for you", 1200)]  # fmt: skip
    assert w.ending is i.Ending.END


def test_dial_in_a_screening_document_fails_it_with_13201(world):
    w = world(docs={URL: "<Response><Dial>+1555</Dial></Response>"})
    w.run(i.screening_program(i.Context(URL, answered=True, mode=i.Mode.SCREENING), URL, "POST"))
    assert w.effects[1:] == [
        e.Warn(13201, "<Dial> is not allowed in a screening document"),
        e.Hangup("screening"),
    ]


def test_a_failed_screening_fetch_hangs_up_the_callee(world):
    w = world()
    w.run(i.screening_program(i.Context(URL, answered=True, mode=i.Mode.SCREENING), URL, "POST"))
    assert w.effects[1:] == [e.Hangup("fetch-failure")]


def test_wait_music_without_url_is_built_in_and_an_audio_url_loops(world):
    w = world()
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.CONFERENCE_WAIT), None, "POST"))
    assert w.effects == [e.HoldMusic("builtin:hold-music")]
    w = world()
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.QUEUE_WAIT), "m.MP3?x", "GET"))
    assert w.effects == [e.HoldMusic("http://app.test/m.MP3?x")]


def test_a_wait_document_is_requested_again_unless_it_took_no_time(world):
    w = world(docs={"http://app.test/wait": "<Response><Play>/a.wav</Play></Response>"})
    ctx = i.Context(URL, answered=True, mode=i.Mode.CONFERENCE_WAIT)
    program = i.wait_program(ctx, "/wait", "POST")
    first = next(program)
    effects = [first, program.send(w.respond(first))]
    effects.append(program.send(e.DONE))
    assert effects == [
        e.Fetch("wait", "http://app.test/wait", "POST", {}),
        e.PlayAudio("http://app.test/a.wav", 1, 5000),
        e.Fetch("wait", "http://app.test/wait", "POST", {}),
    ]
    w = world(docs={"http://app.test/w2": "<Response><Redirect>/w3</Redirect></Response>",
                    "http://app.test/w3": "<Response/>"})  # fmt: skip
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.CONFERENCE_WAIT), "/w2", "GET"))
    assert w.effects == [
        e.Fetch("wait", "http://app.test/w2", "GET", {}),
        e.Note("redirect", {"url": "http://app.test/w3"}),
        e.Fetch("wait", "http://app.test/w3", "POST", {}),
        e.IDLE,
    ]


def test_a_conference_wait_document_with_another_verb_is_refused_whole(world):
    w = world(docs={URL: "<Response><Say>hi</Say><Gather/></Response>"})
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.CONFERENCE_WAIT), URL, "POST"))
    assert w.effects[1:] == [
        e.Warn(
            13238,
            "<Gather> is not allowed in a conference wait document; allowed: <Say>, "
            "<Play>, <Pause>, <Redirect>",
        ),  # fmt: skip
        e.IDLE,
    ]


def test_a_queue_wait_document_stops_at_a_verb_it_does_not_allow(world):
    w = world(docs={URL: "<Response><Say>hi</Say><Dial>+1</Dial><Say>no</Say></Response>"})
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.QUEUE_WAIT), URL, "POST"))
    assert w.effects[1:] == [
        say("hi", 400),
        e.Warn(99005, "<Dial> is not allowed in a queue wait document; the document stops"),
        e.IDLE,
    ]


def test_leave_in_a_queue_wait_document_leaves_the_queue(world):
    w = world(docs={URL: "<Response><Leave/><Say>no</Say></Response>"})
    w.run(i.wait_program(i.Context(URL, answered=True, mode=i.Mode.QUEUE_WAIT), URL, "POST"))
    assert w.effects[1:] == [e.LEAVE_QUEUE]


def test_a_queue_url_document_runs_then_the_bridge_follows(world):
    w = world(docs={URL: "<Response><Say>hi</Say><Gather/><Say>no</Say></Response>"})
    w.run(i.queue_url_program(i.Context(URL, answered=True, mode=i.Mode.QUEUE_URL), URL, "POST"))
    assert w.effects[1:] == [
        say("hi", 400),
        e.Warn(99005, "<Gather> is not allowed in a <Queue> url document; the document stops"),
    ]
    assert w.ending is i.Ending.STOPPED


XML_FOR_CLOSING = """<Response><Say>a</Say><Gather><Say>b</Say></Gather><Record/>
    <Dial action='/a'>client:x</Dial><Redirect>/r</Redirect></Response>"""


def test_closing_a_program_at_any_yield_ends_it_cleanly(world):
    reference = world(docs={"http://app.test/r": "<Response/>"})
    run(reference, XML_FOR_CLOSING)
    total = len(reference.effects)
    assert total > 8
    for stop_at in range(1, total + 1):
        program = i.call_program(i.Context(URL), i.InlineStart(parse_xml(XML_FOR_CLOSING), URL))
        w = world(docs={"http://app.test/r": "<Response/>"})
        effect = next(program)
        for _ in range(stop_at - 1):
            effect = program.send(w.respond(effect))
        program.close()
        assert inspect.getgeneratorstate(program) == inspect.GEN_CLOSED
