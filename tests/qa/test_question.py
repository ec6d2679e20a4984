"""Question analysis with the real spaCy pipeline: the answer type asked for, the names and periods that qualify it,
over questions from sports, business, politics and culture."""

from __future__ import annotations

import pytest

from qa.question import analyse
from tests.conftest import ANNOTATOR

# (question, expected answer type, names that must be found, periods as stored ("1987-Q3"), ordinals)
FORMS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[int, ...]]] = [
    # people
    ("Who won the women's singles title at Wimbledon in 2019?", "who", ("wimbledon",), ("2019",), ()),
    ("Who is the chief executive of Rolls-Royce?", "person", ("rolls royce",), (), ()),
    ("Who was named president of the World Bank in 2012?", "person", ("world bank",), ("2012",), ()),
    ("Who directed the film Parasite?", "person", (), (), ()),
    ("Who scored the winning goal in the 2014 World Cup final?", "person", (), ("2014",), ()),
    ("Whom did the board appoint as chairman after the merger?", "person", (), (), ()),
    ("Which minister announced the budget cuts?", "person", (), (), ()),
    ("Which player was sent off in the second half?", "person", (), ("?-H2",), ()),
    ("Who will succeed Angela Merkel as chancellor?", "person", ("merkel",), (), ()),
    ("Who became chairman of Unilever after Paul Polman left?", "person", ("unilever", "polman"), (), ()),
    ("Who bought the Washington Post in 2013?", "who", ("washington post",), ("2013",), ()),
    ("Which actor won the best actor award at the 92nd Academy Awards?", "person", (), (), ()),
    ("Who was the spokesman for the ministry?", "person", (), (), ()),
    ("Which economist predicted the recession?", "person", (), (), ()),
    # organisations
    ("Which company bought Instagram in 2012?", "organisation", ("instagram",), ("2012",), ()),
    ("Which bank led the bond offering?", "organisation", (), (), ()),
    ("Which team won the Super Bowl in February 2020?", "organisation", ("super bowl",), ("2020-02",), ()),
    ("Which party won the most seats in the 2019 election?", "organisation", (), ("2019",), ()),
    ("Which airline ordered 50 Boeing 787 jets?", "organisation", ("boeing",), (), ()),
    ("Which newspaper first reported the scandal?", "organisation", (), (), ()),
    ("Which union called the strike at the plant?", "organisation", (), (), ()),
    ("What company makes the iPhone?", "organisation", ("iphone",), (), ()),
    ("Which studio released the film in March 2021?", "organisation", (), ("2021-03",), ()),
    ("Which club signed the striker for a record fee?", "organisation", (), (), ()),
    # places
    ("Where will the 2028 Olympic Games be held?", "place", ("olympic games",), ("2028",), ()),
    ("Where is the headquarters of Nestle?", "place", ("nestle",), (), ()),
    ("In which city did the summit take place?", "place", (), (), ()),
    ("Which country hosted the 2010 World Cup?", "place", (), ("2010",), ()),
    ("Where did the earthquake strike on Monday?", "place", (), (), ()),
    ("At which plant will Ford build the new engine?", "place", ("ford",), (), ()),
    ("Which state has the highest unemployment rate?", "place", (), (), ()),
    ("Where was the concert moved to after the storm?", "place", (), (), ()),
    # dates
    ("When did Apple release the first iPhone?", "date", ("apple",), (), (1,)),
    ("When will the new stadium open?", "date", (), (), ()),
    ("On what date did the strike begin?", "date", (), (), ()),
    ("In which year did the company go public?", "date", (), (), ()),
    ("What day is the dividend payable?", "date", (), (), ()),
    ("From what date will the new fares apply?", "date", (), (), ()),
    ("When did the minister resign?", "date", (), (), ()),
    ("In what month was the album released?", "date", (), (), ()),
    ("When is the final scheduled to be played?", "date", (), (), ()),
    # counts and numbers
    ("How many people attended the festival in 2018?", "count", (), ("2018",), ()),
    ("How many cars did Toyota sell in the first quarter of 2020?", "count", ("toyota",), ("2020-Q1",), ()),
    ("How many goals did Messi score last season?", "count", ("messi",), (), ()),
    ("How many workers will lose their jobs?", "count", (), (), ()),
    ("How many seats did Labour win?", "count", ("labour",), (), ()),
    ("How much oil did Saudi Arabia produce in March 1987?", "number", ("saudi arabia",), ("1987-03",), ()),
    ("How much coffee did Brazil export in 1986?", "number", ("brazil",), ("1986",), ()),
    ("What was the attendance at the final?", "description", (), (), ()),
    ("To what level did unemployment rise in February?", "number", (), ("?-02",), ()),
    ("What was the load factor in April?", "number", (), ("?-04",), ()),
    ("How old is the new chief executive?", "number", (), (), ()),
    # money
    ("What was Texaco's net income in the fourth quarter of 1986?", "money", ("texaco",), ("1986-Q4",), ()),
    ("How much did the company pay for the stake?", "money", (), (), ()),
    ("What price did the painting fetch at auction?", "money", (), (), ()),
    ("How much will the new stadium cost?", "money", (), (), ()),
    ("What was the transfer fee for the striker?", "money", (), (), ()),
    ("What dividend did the board declare?", "money", (), (), ()),
    ("How much did the film earn in its opening weekend?", "money", (), (), ()),
    ("What revenue did Netflix report for 2020?", "money", ("netflix",), ("2020",), ()),
    ("What was the budget of the film?", "money", (), (), ()),
    ("What loss did the airline expect for the first half?", "money", (), ("?-H1",), ()),
    # percentages and changes
    ("What percentage of the vote did the party win?", "percent", (), (), ()),
    ("What was the unemployment rate in March 1987?", "percent", (), ("1987-03",), ()),
    ("What stake does the investor hold in the company?", "percent", (), (), ()),
    ("By how much did sales rise in the third quarter?", "change", (), ("?-Q3",), ()),
    ("By what percentage did the shares fall on Monday?", "percent", (), (), ()),
    ("How much did prices rise in January?", "change", (), ("?-01",), ()),
    ("What proportion of staff left the company?", "percent", (), (), ()),
    ("What share of the market does the brand hold?", "percent", (), (), ()),
    # durations
    ("How long did the strike last?", "duration", (), (), ()),
    ("For how long was the contract extended?", "duration", (), (), ()),
    ("How many years will the deal run?", "duration", (), (), ()),
    ("What prison sentence did the former director receive?", "duration", (), (), ()),
    ("How long is the new contract?", "duration", (), (), ()),
    # descriptions and reasons
    ("Why did the chairman resign?", "description", (), (), ()),
    ("Why was the match postponed?", "description", (), (), ()),
    ("What did the prime minister say about the treaty?", "description", (), (), ()),
    ("How did the company respond to the allegations?", "description", (), (), ()),
    ("What reason did the airline give for the cancellations?", "description", (), (), ()),
    ("What does the analyst expect for the oil market in 1988?", "description", (), ("1988",), ()),
    ("Did the council approve the new housing plan?", "description", (), (), ()),
    ("What happened to the ferry on Tuesday?", "description", (), (), ()),
    ("What did the union warn about job losses?", "description", (), (), ()),
    ("How does the new law affect renters?", "description", (), (), ()),
    ("Where did the senator stand on raising fuel taxes?", "description", (), (), ()),
    ("What position did the coach take on video replays?", "description", (), (), ()),
    ("What did the retailer say was behind the 12 pct rise in sales?", "description", (), (), ()),
    ("What prompted the central bank to cut interest rates?", "description", (), (), ()),
    ("What areas of concern did the regulator list in its report?", "description", (), (), ()),
    ("Which areas of the city were flooded?", "place", (), (), ()),
    ("Which Liberal figure praised the new budget?", "person", (), (), ()),
    ("Which sales figure rose most in March?", "number", (), ("?-03",), ()),
    ("What time does the final kick off on Sunday?", "date", (), (), ()),
    # ordinals and editions
    ("Who won the third stage of the Tour de France?", "who", ("tour de france",), (), (3,)),
    ("Which film won best picture at the 92nd Academy Awards?", "description", (), (), ()),
]


@pytest.mark.parametrize(("question", "expected", "names", "periods", "ordinals"), FORMS)
def test_question_forms(
    question: str, expected: str, names: tuple[str, ...], periods: tuple[str, ...], ordinals: tuple[int, ...]
) -> None:
    analysis = analyse(ANNOTATOR.parse(question))
    assert analysis.expected == expected, (question, analysis)
    keys = [n.key for n in analysis.names]
    for name in names:
        assert any(name in key or key in name for key in keys), (question, keys)
    assert [p.encode() for p in analysis.periods] == list(periods), (question, analysis.periods)
    assert tuple(analysis.ordinals) == ordinals, (question, analysis.ordinals)


def test_there_are_eighty_forms() -> None:
    assert len(FORMS) >= 80
    assert {f[1] for f in FORMS} >= {
        "who", "person", "organisation", "place", "date", "count", "number", "money", "percent", "change",
        "duration", "description",
    }  # fmt: skip


def test_a_reason_question_and_what_it_is_about() -> None:
    analysis = analyse(ANNOTATOR.parse("Why did Caterpillar expect a first-quarter loss?"))
    assert analysis.reason and not analysis.typed
    for asked in ("What caused the power cut?", "What was behind the club's fall in ticket sales?",
                  "What was the reason for the delay to the launch?"):  # fmt: skip
        assert analyse(ANNOTATOR.parse(asked)).reason, asked
    assert not analyse(ANNOTATOR.parse("What did the minister say about the budget?")).reason
    money = analyse(ANNOTATOR.parse("What was Texaco's net income in the fourth quarter of 1986?"))
    assert money.measure and {"net", "incom"} <= set(money.focus)


def test_a_title_is_no_name_and_an_employer_before_it_describes_the_person() -> None:
    analysis = analyse(ANNOTATOR.parse("What did Unilever Vice Chairman Jane Roe say about the merger?"))
    names = {n.key: n for n in analysis.names}
    assert "vice" not in names and "chairman" not in names  # an article may write "deputy chair"
    assert names["unilever"].of_person == "jane roe"
    plain = analyse(ANNOTATOR.parse("What did Jane Roe say about Unilever?"))
    assert not any(n.of_person for n in plain.names)
    # A capitalised word the model left off the name beside it is no name of its own.
    lines = analyse(ANNOTATOR.parse("How did Greyhound Lines respond to the Justice Department's call for caution?"))
    assert "lines" not in {n.key for n in lines.names}


def test_what_someone_said_was_something_is_a_topic_without_its_names() -> None:
    analysis = analyse(
        ANNOTATOR.parse("What did the EU trade chief say was the object of the EU's list of U.S. trade barriers?")
    )
    assert analysis.speech
    assert "object" in analysis.topic and "barrier" in analysis.topic
    assert "us" not in analysis.topic and "u" not in analysis.topic and "eu" not in analysis.topic
    # A topic that is only a name and a word keeps the name: one word alone would decide too much.
    short = analyse(ANNOTATOR.parse("What did the minister say about extending the Tin Agreement?"))
    assert "tin" in short.topic


def test_whether_and_timing_say_what_a_topic_asks_of_its_subject() -> None:
    linked = analyse(ANNOTATOR.parse("What did the club say about whether the injuries were linked to the new pitch?"))
    assert linked.topic_verb == "link" and not linked.topic_time
    timing = analyse(ANNOTATOR.parse("What did the minister say about the timing of the election?"))
    assert timing.topic_time and not timing.topic_verb
    assert analyse(ANNOTATOR.parse("What did the minister say about when the tax would be cut?")).topic_time
    plain = analyse(ANNOTATOR.parse("What did the coach say about the new stadium?"))
    assert not plain.topic_time and not plain.topic_verb
