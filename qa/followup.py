"""Follow-up questions without an LLM: spot a question that leans on the conversation and add its context."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from index.tokenize import STOPWORDS, capitalised_runs, opens_sentence, words

Message = Mapping[str, str]

# Words that point back at something said earlier.
_ANAPHORA = frozenset(
    """
they them their theirs those these that this it its he him his she her hers there such same former latter
then also another other others else either both
""".split()
)
_OPENERS = re.compile(
    r"^\s*(?:and|but|so|also|what about|how about|and what|what else|why|how come|anything else|"
    r"what did (?:he|she|they|it)|is that|was that|are they|were they|did they|does it|do they)\b",
    re.I,
)
# A demonstrative before a noun points back at something said earlier ("those claims", "that report").
_DEMONSTRATIVE = re.compile(r"\b(?:that|this|those|these) [a-z][\w'’-]*", re.I)

_QUESTION_WORDS = frozenset(
    """
what who whom whose when where why how which is are was were did do does can could should would will the a
an and but so also in on at of for to according tell give list name
""".split()
)


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def proper_names(text: str, with_initial: bool = True) -> list[str]:
    """Capitalised words and runs (not the question word that opens a sentence). With with_initial=False, a
    lone capitalised word that opens a sentence is left out: its capital may only be the sentence's."""
    names = []
    for start, run in capitalised_runs(text):
        parts = run.split()
        initial = opens_sentence(text, start)
        while parts and parts[0].lower() in _QUESTION_WORDS:
            parts, initial = parts[1:], False
        if not parts:
            continue
        if initial and len(parts) == 1 and not with_initial and not parts[0].isupper():
            continue
        names.append(" ".join(parts))
    return names


def is_followup(question: str) -> bool:
    """True when the question cannot stand alone: it points back, or is too bare to search for."""
    tokens = words(question)
    if not tokens:
        return False
    if _OPENERS.match(question) or _DEMONSTRATIVE.search(question):
        return True
    if any(t in _ANAPHORA for t in tokens):
        return True
    return len(content_words(question)) <= 1


def rewrite(question: str, history: Sequence[Message] | None) -> str:
    """The question, plus the topic words of the previous turns when it is a follow-up."""
    if not history or not is_followup(question):
        return question
    user_turns = [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]
    assistant_turns = [m.get("content", "") for m in history if m.get("role") == "assistant" and m.get("content")]
    present = set(words(question))
    extra: list[str] = []

    def add(word: str) -> None:
        if word.lower() not in present:
            present.add(word.lower())
            extra.append(word)

    # The last user question carries the topic; an earlier one only when the last was itself a follow-up.
    # Names keep their capitals, so the answer engine still knows them for names. A question that names
    # its own subject ("What about Oslo?") takes only the topic words, not the old names.
    own_names = bool(proper_names(question))
    for turn in reversed(user_turns[-2:]):
        for name in [] if own_names else proper_names(turn):
            for word in name.split():
                if word.lower() not in STOPWORDS:
                    add(word)
        for word in content_words(turn):
            add(word)
        if not is_followup(turn):
            break
    # Names in the last answer (who or what it was about) narrow the search to the same story.
    if assistant_turns and not own_names:
        for name in proper_names(re.sub(r"\[\d+\]", "", assistant_turns[-1]))[:4]:
            for word in name.split():
                if word.lower() not in STOPWORDS:
                    add(word)
    return f"{question} {' '.join(extra)}".strip() if extra else question


def referents(question: str, history: Sequence[Message] | None) -> str:
    """The text whose names a follow-up refers to: the question itself if it names anything, else the last
    user turn that did."""
    if proper_names(question) or not history or not is_followup(question):
        return question
    for message in reversed(history):
        if message.get("role") == "user" and proper_names(message.get("content", "")):
            return message["content"]
    return question
