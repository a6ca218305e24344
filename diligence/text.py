"""Text detectors for `claims.guaranteed_returns` and `whitepaper.incomplete`, and PDF text.

Pure Python, no database: rules call these on descriptions, claims and extracted whitepapers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from types import MappingProxyType
from typing import IO, Literal

from pypdf import PdfReader

SNIPPET_MAX_CHARS = 120
PDF_MAX_CHARS = 2_000_000
# Sentences are read in pieces of at most this many characters (see _sentences).
SENTENCE_MAX_CHARS = 1_000
# Matches of one promise form checked in context per sentence: past this many refuted ones
# ("2x faster, 3x cheaper, 4x ..."), a sentence is a table or a list, not a promise.
CANDIDATES_PER_FORM = 12

# One-for-one replacements, so offsets in the normalised text still point into the original.
_CHAR_FOLDS = str.maketrans(
    "\u2018\u2019\u201b\u2032`\u201c\u201d\u201e\u2033\u2010\u2011\u2012\u2013\u2014\u00d7",
    "'''''\"\"\"\"-----x",
)


def _normalise(text: str) -> str:
    """Lowercase and fold typographic quotes and dashes, keeping every offset unchanged."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters (e.g. "İ") lowercase to two characters
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_CHAR_FOLDS)


# Negation and refusal words; contractions are matched as written ("aren't", "can't", "cant").
_NEG = r"(?:no|not|never|nor|neither|none|nothing|without|cannot|cant|can not|\w+n't)"
# A word an investor hopes to receive; "return of funds" and "money-back" are refunds, not gains.
_GAIN = (
    r"(?:returns?(?!\s+(?:of\s+)?(?:all\s+|your\s+|the\s+)?(?:funds|contributions?|deposits?"
    r"|money|investment))|profits?|profitable|yields?|income|roi|gains?|earnings?|interest"
    r"|payouts?|dividends?|apy|apr|rich|money(?![- ]back))"
)
# Money an investor puts in, holds or hopes to receive.
_MONEY = (
    rf"(?:{_GAIN}|money|rewards?|invest\w*|funds?|capital|deposits?|earn\w*|cash|wealth|savings"
    r"|portfolio|bitcoin|btc|eth|usdt|\$)"
)
# Words that state a promise about the outcome, with the common misspellings ("guarenteed").
_GUARANTEE = (
    r"(?:gu?ar[ae]nte*[sd]?|gu?ar[ae]ntee?ing|guaranty|assured(?:ly)?|assures?|promise[sd]?"
    r"|sure[- ]?fire|sure[- ]shot)"
)
# Up to five words between two cue words, none of them a negation ("returns are not guaranteed").
# Separators and words are disjoint classes, so matching each possessively loses no match.
_GAP = rf"(?:[\s,:]++(?!{_NEG}\b)[\w%$.'-]++){{0,5}}?[\s,:]++"
# A percentage: "5%", "2.5 %", "1,5%". It starts where a run of digits starts: tried from every
# digit of a long run, the scan to the run's end would make the search quadratic.
_PERCENT = r"(?<!\d)\d+(?:[.,]\d+)?\s?%"
# A payout period short enough to be implausible for a real investment.
_SHORT_PERIOD = (
    r"(?:hourly|daily|weekly|bi-?weekly|monthly|(?:per|a|an|every|each)\s+(?:hour|day|week|month))"
)
# Holdings that a scheme offers to double or triple.
_HOLDINGS = (
    r"(?:money|investment|capital|crypto|bitcoins?|btc|eth|holdings|portfolio|deposits?|funds"
    r"|coins|stake|savings|profits?|income|earnings|wealth)"
)

# "guaranteed returns", "we promise profits", "returns are guaranteed", "huge profits, assured".
_GUARANTEED_GAIN = re.compile(
    rf"\b{_GUARANTEE}{_GAP}{_GAIN}\b|\b{_GAIN}{_GAP}(?:\d+%\s+)?{_GUARANTEE}\b"
)
# "5% daily", "30% a month", "2% roi per day", "daily returns of 3%", "monthly roi: 30%".
_SHORT_PERIOD_YIELD = re.compile(
    rf"{_PERCENT}(?:\s+[a-z]+){{0,2}}?\s+{_SHORT_PERIOD}\b"
    rf"|\b{_SHORT_PERIOD}\s+(?:[a-z]+:?\s+){{0,2}}?(?:of\s+|up to\s+)?{_PERCENT}"
)
# "12% per year", "8% APY", "10% annual return": the rates of ordinary staking or coupons.
_LONG_PERIOD_YIELD = re.compile(
    rf"{_PERCENT}(?:\s+[a-z]+){{0,2}}?\s*(?:yearly|annual(?:ly)?|per annum|apy|apr"
    r"|(?:per|a|an|every|each)\s+year)\b"
)
# "10x", "100X", "x100", "1.5x", "ten times", "5-fold" (not "1x"); its clause says if about money.
_MULTIPLIED_GAIN = re.compile(
    r"\b(?!1x\b)[1-9]\d{0,4}(?:[.,]\d+)?x\b|\bx[1-9]\d{0,4}\b"
    r"|\b(?:\d+|two|three|four|five|ten|twenty|fifty|hundred|thousand)[\s-](?:times|fold)\b"
)
# "double your money", "triple your btc", "your deposit doubled in 24 hours", "doubles in value".
_MULTIPLIED_HOLDINGS = re.compile(
    rf"\b(?:double|triple|quadruple|multiply)\w*\s+(?:(?:your|their|my|ur)\s+)?"
    rf"(?:(?!the\b|our\b)[a-z]+\s+)?{_HOLDINGS}\b"
    rf"|\b{_HOLDINGS}\s+(?:(?!{_NEG}\b)[a-z']+\s+){{0,3}}?(?:doubles?|doubled|triples?|tripled)\b"
    r"|\b(?:double|triple)s?\s+in\s+(?:value|price)\b"
)
# "you cannot lose", "can't lose", "will never lose money"; losing keys or access is another matter.
_CANNOT_LOSE = re.compile(
    r"\b(?:cannot|can not|can't|cant|won't|will not|never|impossible to|no way to|no way you can"
    r"|(?:no|zero) chance of)\s+(?:ever\s+|possibly\s+|really\s+)?los(?:e|ing)\b"
    r"(?!\s+(?:more than|access|track|sight|control|custody|ownership|data|connection|progress"
    r"|the ability|your (?:private |seed |wallet |recovery )?(?:keys?|phrase|seed|wallet|data)))"
)
# "no risk", "zero risk", "risk-free", "riskless", "without any risk"; not the "risk-free rate".
_NO_RISK = re.compile(
    r"\brisk[- ]?free\b(?!\s+rates?)|\briskless\b|\b100% (?:safe|secure)\b"
    r"|\b(?:no|zero|0|without|free of|free from)\s+(?:any\s+)?risks?\b(?![- ]?free)"
)
# "will moon", "going to the moon", "the price will skyrocket".
_MOON = re.compile(
    r"\b(?:will|gonna|going to|set to|about to|bound to|ready to|sure to)\s+"
    rf"(?:(?!{_NEG}\b)\w+\s+)?(?:moon|skyrocket)\w*\b|\bto the moon\b"
)

# Cues that turn a short-period percentage into a payout promise.
_YIELD_CUE = re.compile(
    rf"\b(?:{_GUARANTEE}|fixed|passive|earn\w*|profits?|returns?|roi|interest|yields?|income"
    r"|dividends?|payouts?|rewards?|receive|get|make|pays?|paying|apy|apr)\b"
)
# Only a firm promise makes a yearly rate a claim; ordinary staking rates are estimates.
_FIRM_CUE = re.compile(rf"\b(?:{_GUARANTEE}|fixed|locked[- ]in)\b")
# Cues that a multiplier is about money, or a verb about the token ("will 100x"), not the product.
_MULTIPLIER_CUE = re.compile(
    rf"\b(?:{_MONEY}|{_GUARANTEE}|price|value|worth|gems?|moon\w*|potential|pump\w*|lambo\w*"
    r"|bags?|incoming|easy|minimum|at least)\b|\dx\s*[!\U0001f680]"
    r"|\b(?:will|gonna|going to|set to|about to|bound to|easily)\s+"
    r"(?:(?:do|make|go|hit|be|give|return)\s+)?(?:\d[\d.,]*x|x\d+)\b"
)
# Cues that a sentence about risk is about money at all.
_MONEY_CUE = re.compile(rf"\b{_MONEY}")
# Refund wording: a guaranteed refund is a sale term, not a promised gain.
_REFUND_VETO = re.compile(r"\b(?:refund\w*|returned|money[- ]back|soft[- ]cap)\b")
# Vesting and supply vocabulary: "10% monthly" there describes token releases, not payouts.
_SCHEDULE_VETO = re.compile(
    r"\b(?:vest\w*|unlock\w*|releas\w*|cliff|emission\w*|inflation\w*|burn\w*|mint\w*|linear\w*)\b"
)
# Comparisons of the product or of a bonus: "2x faster", "10x cheaper fees", "2x reward boost".
_TECH_VETO = re.compile(
    r"\b(?:faster|quicker|cheaper|slower|lower|less|fewer|smaller|better|efficien\w*|scal\w*"
    r"|speed\w*|throughput|tps|transactions?|latency|bandwidth|storage|capacity|blocks?"
    r"|performance|compress\w*|gas|fees?|costs?|validators?|nodes?|users?|leverage\w*|margin"
    r"|oversubscri\w*|energy|memory|uptime|boost\w*|multipliers?|bonus\w*)\b"
)
# Security claims: "no risk of double spending" is about the protocol, not about returns.
_SECURITY_VETO = re.compile(
    r"\b(?:hack\w*|theft|stolen|steal\w*|exploit\w*|attacks?|double[- ]spend\w*|downtime"
    r"|censor\w*|front[- ]?run\w*|reentran\w*|collisions?|rug\w*|inflation|dilution|phishing"
    r"|liquidation)\b"
)


@dataclass(frozen=True)
class _PromiseForm:
    """One way of phrasing a promise, and the words around it that confirm or cancel it."""

    pattern: re.Pattern[str]
    # Substrings of which every match holds one: a sentence with none is not searched at all.
    stems: tuple[str, ...]
    needs: re.Pattern[str] | None = None  # must occur in `needs_scope` for the match to count
    needs_scope: Literal["clause", "nearby"] = "clause"  # nearby: within _CONTEXT_REACH
    vetoed_by: re.Pattern[str] | None = None  # must not occur in the match's clause


# A form's stems: "assure" holds "sure", every spelling of "guarantee" "arant" or "arent".
_PROMISE_FORMS = (
    _PromiseForm(_GUARANTEED_GAIN, ("arant", "arent", "promis", "sure"), vetoed_by=_REFUND_VETO),
    _PromiseForm(_SHORT_PERIOD_YIELD, ("%",), needs=_YIELD_CUE, vetoed_by=_SCHEDULE_VETO),
    _PromiseForm(_LONG_PERIOD_YIELD, ("%",), needs=_FIRM_CUE, vetoed_by=_SCHEDULE_VETO),
    _PromiseForm(
        _MULTIPLIED_GAIN, ("x", "times", "fold"), needs=_MULTIPLIER_CUE, vetoed_by=_TECH_VETO
    ),
    _PromiseForm(
        _MULTIPLIED_HOLDINGS, ("doubl", "tripl", "quadrupl", "multipl"), vetoed_by=_TECH_VETO
    ),
    _PromiseForm(_CANNOT_LOSE, ("los",), vetoed_by=_REFUND_VETO),
    _PromiseForm(
        _NO_RISK,
        ("risk", "100% "),
        needs=_MONEY_CUE,
        needs_scope="nearby",
        vetoed_by=_SECURITY_VETO,
    ),
    _PromiseForm(_MOON, ("moon", "skyrocket")),
)

# Cheap pre-filter: a sentence without any of these stems cannot hold a promise form.
_TRIGGER = re.compile(
    r"gu?ar[ae]nt|promis|assur|sure|risk|los[ei]|\d|doubl|tripl|quadrupl|multipl|times|fold"
    r"|moon|skyrocket"
)
# Sentence ends, blank lines and bullets; single line breaks inside a paragraph are kept.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])\s+|\n\s*\n|\n\s*(?=[-*\u2022\u25aa\u25cf]\s)|[\u2022\u25aa\u25cf]"
)
# Where one clause ends and the next begins, for the negation window and the context checks.
_CLAUSE_BREAK = re.compile(
    r"[,;:()]|\s-\s|\b(?:but|and|or|while|whereas|however|although|though|yet|unless)\b"
)
# A negation in the last few words before a promise cancels it ("there is no guarantee of profit").
_NEGATION = re.compile(rf"\b(?:{_NEG}|hardly|unlikely|avoid|impossible|unable|nobody)\b")
_NEGATION_WINDOW_WORDS = 4
# Characters either side of a promise that its context checks read, so long texts stay linear.
_CONTEXT_REACH = 160
# A sweeping negation cancels a promise anywhere later in its clause ("nothing here is ...").
_SWEEPING_NEGATION = re.compile(r"\b(?:nothing|nobody|no one|none)\b")
# A negated predicate right after the promise cancels it ("guaranteed returns do not exist").
_NEGATED_PREDICATE = re.compile(
    r"[\s,]*(?:(?:is|are|was|were|do|does|did|will|would|can|could|may|might|have|has)\s+"
    rf"(?:\w+\s+)?{_NEG}\b|\w+n't\b|(?:is|are)\s+(?:a\s+)?(?:myth|impossible|unrealistic))"
)
# Investor-education and legal-disclaimer sentences mention a promise to warn against it.
_CAUTIONARY = re.compile(
    r"\b(?:beware|be wary|be careful|be cautious|watch out|red flags?|warning signs?"
    r"|too good to be true|ponzi|(?<!not a )(?<!no )scams?|fraud(?:ulent|sters?)?\b(?![- ]proof)"
    r"|construed|disclaim\w*|no representations?|forward-looking)"
)
# A yes/no question asks about a promise rather than making it ("Are returns guaranteed?").
_YES_NO_QUESTION = re.compile(
    r"(?:q\d*[:.]\s*)?(?:is|are|am|do|does|did|can|could|will|would|was|were|should|has|have)\b.*\?"
)


def guaranteed_return_claims(text: str) -> list[str]:
    """Quote every sentence of `text` that promises guaranteed, risk-free or multiplied returns.

    Each claim is returned once, in the order it appears, as the original wording with its
    whitespace collapsed and trimmed to at most 120 characters around the promise (an ellipsis
    marks a cut). Negated or disclaiming sentences ("no returns are guaranteed"), warnings about
    scams, yes/no questions and technical multipliers ("2x faster") are not claims.
    """
    claims: dict[str, None] = {}  # an ordered set
    for sentence in _sentences(text):
        lowered = _normalise(sentence)
        if not _TRIGGER.search(lowered) or _CAUTIONARY.search(lowered):
            continue
        if _YES_NO_QUESTION.fullmatch(lowered):
            continue
        promise = _find_promise(lowered)
        if promise is not None:
            claims.setdefault(_snippet(sentence, *promise))
    return list(claims)


def _sentences(text: str) -> Iterator[str]:
    """The sentences of `text`, whitespace collapsed; one longer than SENTENCE_MAX_CHARS (a table,
    a list without full stops, or garbage) is read in pieces of at most that length, cut at a
    space where there is one, so that no detector ever reads an unbounded run of text."""
    for piece in _SENTENCE_BREAK.split(text):
        sentence = " ".join(piece.split())
        while len(sentence) > SENTENCE_MAX_CHARS:
            cut = sentence.rfind(" ", SENTENCE_MAX_CHARS // 2, SENTENCE_MAX_CHARS)
            cut = SENTENCE_MAX_CHARS if cut < 0 else cut
            yield sentence[:cut]
            sentence = sentence[cut:].lstrip()
        if sentence:
            yield sentence


def _find_promise(sentence: str) -> tuple[int, int] | None:
    """Offsets of a promise in a normalised sentence that survives its context checks, if any."""
    for form in _PROMISE_FORMS:
        for stem in form.stems:
            if stem in sentence:
                break
        else:
            continue
        candidates = form.pattern.finditer(sentence)
        for match in islice(candidates, CANDIDATES_PER_FORM):
            start, end = match.span()
            clause_start, clause_end = _clause_bounds(sentence, start, end)
            clause = sentence[clause_start:clause_end]
            if form.vetoed_by is not None and form.vetoed_by.search(clause):
                continue
            near = sentence[max(0, start - _CONTEXT_REACH) : end + _CONTEXT_REACH]
            scope = near if form.needs_scope == "nearby" else clause
            if form.needs is not None and not form.needs.search(scope):
                continue
            if _is_negated(sentence[clause_start:start]):
                continue
            if not _NEGATED_PREDICATE.match(sentence, end, clause_end):
                return start, end
    return None


def _clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    clause_start, clause_end = max(0, start - _CONTEXT_REACH), end + _CONTEXT_REACH
    for brk in _CLAUSE_BREAK.finditer(sentence, clause_start, start):
        clause_start = brk.end()
    following = _CLAUSE_BREAK.search(sentence, end, clause_end)
    return clause_start, following.start() if following else min(clause_end, len(sentence))


def _is_negated(words_before: str) -> bool:
    window = " ".join(words_before.split()[-_NEGATION_WINDOW_WORDS:])
    return bool(_NEGATION.search(window) or _SWEEPING_NEGATION.search(words_before))


def _snippet(sentence: str, start: int, end: int) -> str:
    if len(sentence) <= SNIPPET_MAX_CHARS:
        return sentence
    room = SNIPPET_MAX_CHARS - 2  # leave space for an ellipsis on each side
    left = max(0, min((start + end - room) // 2, len(sentence) - room))
    head, tail = "\u2026" if left else "", "\u2026" if left + room < len(sentence) else ""
    return f"{head}{sentence[left : left + room].strip()}{tail}"


WHITEPAPER_SECTIONS: Mapping[str, str] = MappingProxyType(
    {
        "purpose": "Purpose and problem statement",
        "technology": "Technical design",
        "team": "Team",
        "token_economics": "Token economics",
        "use_of_funds": "Use of funds",
        "roadmap": "Roadmap and timeline",
        "accepted_currencies": "Accepted currencies",
    }
)

# Currencies and means of payment a token sale may take.
_CURRENCY = r"(?:eth(?:er|ereum)?|btc|bitcoin|usd[tc]?|tether|dai|bnb|sol(?:ana)?|fiat|eur|cards?)"


def _cues(heading_names: str, phrase: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    # A heading must be the whole line ("Team", "Our Team", "Team & Advisors"), since its
    # words are too common to count in body text; the phrase counts anywhere.
    heading = rf"(?:(?:the|our|meet the|project)\s+)?(?:{heading_names})(?:\s*(?:&|and|/)\s*.+)?"
    return re.compile(heading), re.compile(phrase)


_SECTION_CUES: Mapping[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "purpose": _cues(
        r"purpose|problems?|mission|vision|motivation|introduction|abstract|executive summary"
        r"|solution|background|why\b.*",
        r"problem statement|\bour (?:mission|vision)\b|mission is to|the problem (?:we|is|of)"
        r"|aims? to (?:solve|address|fix)|\bwe (?:solve|address)\b"
        r"|purpose of (?:the|this) (?:project|token|platform|network)",
    ),
    "technology": _cues(
        r"technology|tech stack|technical\b.*|architecture|consensus|protocol|platform"
        r"|how it works|infrastructure|system design",
        r"technical (?:design|architecture|overview|specification)|system architecture"
        r"|consensus (?:mechanism|algorithm|protocol)|smart contracts?|protocol design"
        r"|proof[- ]of[- ](?:stake|work|authority)|zero[- ]knowledge|evm[- ]compatible",
    ),
    "team": _cues(
        r"team|founders?|leadership|management|advisors?|people",
        r"\bco-?founders?\b|founding team|founded by|advisory board|core contributors"
        r"|\bour team\b|team members|meet the team|\b(?:ceo|cto|coo|cfo)\b|chief \w+ officer",
    ),
    "token_economics": _cues(
        r"token\b.*|economics|distribution|allocation|supply",
        r"tokenomics|token (?:economics|distribution|allocation|model|supply|metrics)"
        r"|(?:total|max(?:imum)?|circulating|fixed) supply"
        r"|supply (?:of|is capped at) [\d,.]+|vesting schedule",
    ),
    "use_of_funds": _cues(
        r"budget|proceeds|spending",
        r"use of (?:proceeds|funds)|allocation of (?:the )?(?:funds|proceeds)"
        r"|(?:funds?|proceeds) (?:raised )?(?:will|shall) be (?:used|allocated|spent)"
        r"|how (?:the )?funds will be used|budget allocation|funds? allocation|spending plan",
    ),
    "roadmap": _cues(
        r"schedule|development plan|milestones",
        r"road ?map|timeline|\bmilestones?\b|\bq[1-4][\s-]*(?:20\d\d|'\d\d)\b"
        r"|\b(?:first|second|third|fourth) quarter of 20\d\d|\bh[12][\s-]*20\d\d\b",
    ),
    "accepted_currencies": _cues(
        r"payments?(?: methods?| options)?|how to (?:contribute|participate|buy|purchase)"
        r"|contributions?(?: methods?)?|accepted \w+",
        r"accepted (?:currenc|cryptocurrenc|payment)|payment (?:methods?|options)"
        r"|\b(?:we accept|accept(?:s|ed|ing)?|payable in|pay(?:ments?)? (?:in|with)"
        r"|contribut\w* (?:in|with|using)|purchased? (?:in|with|using)|buy \w+ (?:with|using))"
        rf"\b[^.]{{0,60}}?\b{_CURRENCY}\b"
        rf"|\b{_CURRENCY}\b[^.]{{0,60}}?\b(?:is|are|will be) accepted",
    ),
}
# Numbering and markup before a heading's words: "3.", "2.1", "IV.", "a)", "## ", "Section 4:".
_HEADING_PREFIX = re.compile(
    r"^(?:#+\s*)?(?:(?:section|chapter|part)\s+)?(?:(?:\d+(?:\.\d+)*|[ivx]+|[a-h])[.):]|\d+)?\s*"
)
_HEADING_MAX_WORDS = 7


def whitepaper_sections(text: str) -> dict[str, bool]:
    """Tell, for each key of `WHITEPAPER_SECTIONS` in order, whether `text` covers that section.

    A section counts as present when a short heading-like line names it ("4. Tokenomics",
    "Team & Advisors") or when the body uses wording that only that section would
    ("use of proceeds", "Q3 2025", "we accept ETH and USDT").
    """
    normalised = _normalise(text)
    headings = [h for h in map(_heading_text, normalised.splitlines()) if h]
    return {
        key: any(heading.fullmatch(h) for h in headings) or phrase.search(normalised) is not None
        for key, (heading, phrase) in _SECTION_CUES.items()
    }


def missing_sections(text: str) -> list[str]:
    """Keys of `WHITEPAPER_SECTIONS` that `text` does not cover, in the mapping's order."""
    return [key for key, present in whitepaper_sections(text).items() if not present]


def _heading_text(line: str) -> str:
    words = line.split()
    if not words or len(words) > _HEADING_MAX_WORDS:
        return ""
    return _HEADING_PREFIX.sub("", " ".join(words)).strip(" :.?!-*#")


def extract_pdf_text(stream: IO[bytes], max_chars: int = PDF_MAX_CHARS) -> tuple[str, int]:
    """Return the text of a PDF and its number of pages.

    Pages are read one by one and joined by blank lines; a page whose text cannot be extracted
    is skipped, and reading stops once `max_chars` characters are collected, so the text is never
    longer than `max_chars`. Raises `pypdf.errors.PdfReadError` when `stream` is not a readable
    PDF, including one that needs a password to open (pypdf itself tries the empty one).
    """
    if max_chars < 1:
        raise ValueError(f"max_chars ({max_chars}) must be at least 1")
    reader = PdfReader(stream)
    page_count = len(reader.pages)
    pages_text: list[str] = []
    collected = 0
    for index in range(page_count):
        if collected >= max_chars:
            break
        try:
            page_text = reader.pages[index].extract_text() or ""
        except Exception:  # pypdf raises many error types on damaged pages; keep the others
            continue
        if page_text.strip():
            pages_text.append(page_text)
            collected += len(page_text) + 2  # with the blank line that joins it to the next
    return "\n\n".join(pages_text)[:max_chars], page_count
