"""The signed-in student's own questions (what next, the badge, everything at once, can I, what-if),
an advisor's follow-ups, bare-name follow-ups and narrowed lists — real trackers, real signed tokens,
the sample cohort in a real records database, audit rows checked."""
from actions.catalog_info import ActionCatalogInfo
from actions.follow_up import ActionFollowUp, ActionListCredentials
from actions.personal import ActionBadgeStatus, ActionCanIDo, ActionNextSteps, ActionProgressAll, ActionWhatIf
from bot.advising import SIGN_IN
from test_actions_progress import audit_rows, records, run, token, tracker  # noqa: F401 - records: fixture


def ent(entity, value):
    return [{"entity": entity, "value": value}]


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_what_to_take_next_lists_what_is_left_and_is_audited():
    messages, events = run(ActionNextSteps(), tracker("what do i sign up for next", "next_steps", token("S1004")))
    assert messages[0]["text"] == ("What to take next:\n• Data Storytelling: Finish JOU 310 (Fall 2026). "
                                   "Register for STA 205 (Introduction to Statistics).")
    assert slots_of(events) == {"last_topic": "next_steps", "credential": "Data Storytelling"}  # the one it was about
    assert audit_rows() == [("S1004", "student", "S1004", None, "next_steps")]


def test_what_next_for_a_choice_explains_it_and_flags_consent():
    messages, _ = run(ActionNextSteps(), tracker("what's next for data storytelling", "next_steps", token("S1002"),
                                                 ent("credential", "data storytelling")))
    text = messages[0]["text"]
    assert text.startswith("Data Storytelling (") and "— next:" in text
    assert "one of" in text and "ART 265 needs instructor consent" in text


def test_when_the_badge_comes_says_what_is_missing():
    messages, _ = run(ActionBadgeStatus(), tracker("so when do i get the badge", "badge_status", token("S1004"),
                                                   slots={"credential": "Data Storytelling"}))
    text = messages[0]["text"]
    assert text.startswith("Data Storytelling: not yet — still to do: finish JOU 310 (in progress) and complete STA 205")
    assert "microcredentials@example.edu" in text


def test_an_earned_badge_says_how_to_claim_it():
    messages, _ = run(ActionBadgeStatus(), tracker("have i got my badge", "badge_status", token("S1001")))
    assert messages[0]["text"].startswith("Disaster Readiness: earned. To get the badge, email microcredentials@example.edu")


def test_badge_question_without_sign_in_gets_the_general_answer_and_how_to_get_mine():
    messages, _ = run(ActionBadgeStatus(), tracker("when will my badge come", "badge_status"))
    assert messages[0]["response"] == "utter_faq_claim_badge" and "Sign in" in messages[1]["text"]
    assert audit_rows() == []


def test_everything_at_once_is_one_line_per_credential():
    messages, _ = run(ActionProgressAll(), tracker("how am i doing on everything", "progress_all", token("S1003"),
                                                   slots={"credential": "Data Storytelling"}))
    lines = messages[0]["text"].splitlines()
    assert lines[1:3] == ["• Disaster Readiness: not eligible, 1 of 3 courses done — Disaster Readiness is a graduate "
                          "credential, which requires a bachelor's degree, and the record does not show one.",
                          "• Cybersecurity Essentials: earned, 3 of 3 courses done"]
    assert audit_rows() == [("S1003", "student", "S1003", None, "progress_all")]


def test_can_i_do_applies_the_degree_rule_to_the_student():
    no, _ = run(ActionCanIDo(), tracker("can i do disaster readiness", "can_i_do", token("S1004"),
                                        ent("credential", "disaster readiness")))
    assert no[0]["text"].startswith("Not yet: Disaster Readiness (graduate) requires a bachelor's degree")
    yes, _ = run(ActionCanIDo(), tracker("can i do disaster readiness", "can_i_do", token("S1002"),
                                         ent("credential", "disaster readiness")))
    assert yes[0]["text"].startswith("Yes — Disaster Readiness (graduate)") and "already met" in yes[0]["text"]
    assert [r[4] for r in audit_rows()] == ["eligibility", "eligibility"]


def test_can_i_do_without_sign_in_explains_the_level_rule():
    messages, events = run(ActionCanIDo(), tracker("could i do nonprofit leadership", "can_i_do", None,
                                                   ent("credential", "nonprofit leadership")))
    assert messages[0]["text"].startswith("Nonprofit Leadership is a graduate micro-credential (it requires a bachelor's")
    assert "Sign in" in messages[-1]["text"] and audit_rows() == []


def test_a_what_if_is_worked_out_and_said_to_be_hypothetical():
    messages, _ = run(ActionWhatIf(), tracker("if i get a B in my last course is my gpa enough", "what_if",
                                              token("S1004")))
    text = messages[0]["text"]
    assert text.startswith("Hypothetically — this is a what-if, not your record: with a B in JOU 310")
    assert "GPA 2.57 (minimum 2.00) — enough." in text and "still to do: STA 205" in text
    assert audit_rows() == [("S1004", "student", "S1004", None, "what_if")]


def test_a_failing_what_if_says_the_course_would_not_count():
    messages, _ = run(ActionWhatIf(), tracker("what if i fail pad 682", "what_if", token("S1002")))
    text = messages[0]["text"]
    assert "with an F in PAD 682" in text and "would not count" in text and "not enough" in text


def test_an_advisors_follow_ups_keep_the_student():
    advisor = token("adv-kim", "advisor")
    messages, events = run(ActionNextSteps(), tracker("what's left for them", "next_steps", advisor,
                                                      slots={"student_id": "S1021"}))
    assert "Nonprofit Leadership" in messages[0]["text"] and "PAD 695" in messages[0]["text"]
    assert slots_of(events)["student_id"] == "S1021"
    assert audit_rows() == [("adv-kim", "advisor", "S1021", None, "next_steps")]


def test_a_student_naming_another_id_is_refused_without_a_lookup():
    messages, _ = run(ActionNextSteps(), tracker("what should S1002 take next", "next_steps", token("S1004")))
    assert messages[0]["text"].startswith("I can only show you your own record")
    assert audit_rows() == []


def test_personal_questions_need_sign_in():
    messages, _ = run(ActionNextSteps(), tracker("what next", "next_steps"))
    assert messages[0]["response"] == SIGN_IN and messages[0]["text"].startswith("Please sign in")


def test_a_bare_name_repeats_the_last_catalog_question():
    messages, events = run(ActionFollowUp(), tracker("ok and data storytelling?", "inform_credential", None,
                                                     ent("credential", "data storytelling"),
                                                     slots={"last_topic": "catalog:level", "credential": "Disaster Readiness"}))
    assert messages[0]["text"].startswith("Data Storytelling is an undergraduate micro-credential")
    assert slots_of(events)["credential"] == "Data Storytelling"


def test_a_bare_name_after_progress_checks_progress_on_it():
    messages, _ = run(ActionFollowUp(), tracker("cybersecurity essentials", "inform_credential", token("S1003"),
                                                ent("credential", "cybersecurity essentials"),
                                                slots={"last_topic": "progress"}))
    assert messages[0]["text"].startswith("Cybersecurity Essentials (undergraduate) for S1003: earned")


def test_a_bare_name_alone_gives_the_overview():
    messages, _ = run(ActionFollowUp(), tracker("nonprofit leadership", "inform_credential", None,
                                                ent("credential", "nonprofit leadership")))
    text = messages[0]["text"]
    assert text.startswith("Nonprofit Leadership: graduate micro-credential, needs a bachelor's degree, offered since Fall 2019")
    assert "PAD 695 Nonprofit Leadership Practicum (3 credit hours) — needs consent" in text and "Stacks into:" in text


def test_credit_hours_after_a_course_mean_that_course():
    _, events = run(ActionCatalogInfo(), tracker("what is cit 271", "course_info"))
    assert slots_of(events) == {"course": "CIT 271", "last_topic": "course", "credential": "Cybersecurity Essentials"}
    messages, _ = run(ActionCatalogInfo(), tracker("how many credit hours?", "credit_hours", slots=slots_of(events)))
    assert messages[0]["text"].startswith("CIT 271 Secure Systems Administration: 3 credit hours.")
    # after a credential: its total
    messages, _ = run(ActionCatalogInfo(), tracker("how many credit hours?", "credit_hours",
                                                   slots={"credential": "Data Storytelling", "last_topic": "catalog:level"}))
    assert messages[0]["text"].startswith("Data Storytelling takes 3 courses, 9 to 10 credit hours in all")


def test_a_list_narrowed_by_level_and_by_word():
    graduate, _ = run(ActionListCredentials(), tracker("what about the graduate ones?", "faq_available"))
    assert graduate[0]["text"].splitlines()[:2] == ["2 graduate micro-credentials:",
                                                     "Graduate (2): Disaster Readiness and Nonprofit Leadership."]
    data, events = run(ActionListCredentials(), tracker("anything with data?", "faq_available"))
    assert data[0]["text"].startswith("One micro-credential about data:\nUndergraduate (1): Data Storytelling.")
    assert slots_of(events)["credential"] == "Data Storytelling"
    plain, _ = run(ActionListCredentials(), tracker("what do you offer", "faq_available"))
    assert plain[0]["response"] == "utter_faq_available"


def test_a_bare_name_after_an_faq_answer_repeats_it_for_that_credential():
    events = [{"event": "user", "text": "does it need consent?"}, {"event": "action", "name": "utter_faq_consent"},
              {"event": "action", "name": "action_listen"}, {"event": "user", "text": "and nonprofit leadership?"}]
    t = tracker("and nonprofit leadership?", "inform_credential", None, ent("credential", "nonprofit leadership"),
                slots={"credential": "Cybersecurity Essentials", "last_topic": "catalog:level"})
    t.events = events
    messages, out = run(ActionFollowUp(), t)
    assert messages[0]["response"] == "utter_faq_consent"  # filled for the credential named (CatalogNLG)
    assert slots_of(out) == {"last_topic": "utter_faq_consent", "credential": "Nonprofit Leadership"}


def test_which_credential_a_course_belongs_to_uses_the_course_talked_about():
    messages, _ = run(ActionCatalogInfo(), tracker("which credential is that part of", "course_info",
                                                   slots={"course": "PAD 682", "last_topic": "course"}))
    assert messages[0]["text"].startswith("PAD 682 Emergency Planning and Response") and "Disaster Readiness" in messages[0]["text"]


def test_anonymous_stacking_question_names_the_credentials_that_stack():
    from actions.progress import ActionStackingReport
    messages, _ = run(ActionStackingReport(), tracker("what stacks into the MPA", "stacking_report"))
    assert messages[0]["text"].startswith("Courses of Disaster Readiness and Nonprofit Leadership can stack into "
                                          "the Master of Public Administration")
    assert audit_rows() == []


def test_a_what_if_about_a_grade_already_on_record_answers_from_the_record():
    messages, _ = run(ActionWhatIf(), tracker("does my C in PAD 682 stop me getting disaster readiness", "what_if",
                                              token("S1020")))
    assert messages[0]["text"].startswith("That C in PAD 682 is on your record already, and it counts: "
                                          "Disaster Readiness is earned")
    messages, _ = run(ActionWhatIf(), tracker("what if i got a C- in sta 205", "what_if", token("S1004")))
    assert "below the minimum C, so that course is still to do" in messages[0]["text"]


def test_my_gpa_and_my_badge_are_answered_from_the_record_when_signed_in():
    from actions.personal import ActionFaqOrMine
    mine, _ = run(ActionFaqOrMine(), tracker("whats my gpa", "faq_grades", token("S1004")))
    assert mine[0]["text"].startswith("Data Storytelling (undergraduate) for S1004") and "GPA 2.35" in mine[0]["text"]
    badge, _ = run(ActionFaqOrMine(), tracker("badge?", "faq_badge", token("S1001")))
    assert badge[0]["text"].startswith("Disaster Readiness: earned.")
    general, _ = run(ActionFaqOrMine(), tracker("what grades do you need for the graduate ones", "faq_grades", token("S1004")))
    assert general[0]["response"] == "utter_faq_grades"
    anonymous, _ = run(ActionFaqOrMine(), tracker("whats my gpa", "faq_grades"))
    assert anonymous[0]["response"] == "utter_faq_grades" and audit_rows()[-1][4] in ("progress", "badge_status")


def test_an_advisor_turning_to_another_student_means_that_students_own_credentials():
    from actions.progress import ActionCheckProgress
    advisor = token("adv-pat", "advisor")
    messages, _ = run(ActionCheckProgress(), tracker("how is S1012 doing", "check_progress", advisor,
                                                     slots={"credential": "Data Storytelling", "student_id": "S1004"}))
    assert messages[0]["text"].startswith("Cybersecurity Essentials (undergraduate) for S1012")
    # the same student: the credential talked about still holds
    messages, _ = run(ActionCheckProgress(), tracker("and how is she doing", "check_progress", advisor,
                                                     slots={"credential": "Data Storytelling", "student_id": "S1012"}))
    assert messages[0]["text"].startswith("Data Storytelling (undergraduate) for S1012")
