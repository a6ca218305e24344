"""Standard passages that many whitepapers share honestly: legal disclaimers, risk warnings and
licence texts. Copying them is not plagiarism, so their shingles never count as a match.

The list holds the usual wording in our own paraphrase plus the MIT licence grant (a licence
text is meant to be copied verbatim). Disclaimers worded otherwise are caught by document
frequency instead (offerings.whitepapers.copies: a passage found in many offerings' whitepapers).
"""

from __future__ import annotations

from functools import cache

from offerings.whitepapers.words import shingle_keys, words

PASSAGES = (
    "This whitepaper is for information purposes only and does not constitute an offer or "
    "solicitation to sell shares or securities in any jurisdiction.",
    "Nothing in this document constitutes an offer of securities, a prospectus or an offering "
    "document of any sort, and it is not intended to be one.",
    "This document does not constitute investment, financial, legal or tax advice. You should "
    "consult your own advisers before making any decision to purchase tokens.",
    "This whitepaper contains forward-looking statements that are based on current expectations "
    "and involve risks and uncertainties; actual results may differ materially.",
    "The purchase of tokens involves a high degree of risk, including the risk of losing all of "
    "the amount you contribute. Tokens are not securities and carry no rights to dividends.",
    "No regulatory authority has examined or approved any of the information set out in this "
    "whitepaper. Citizens and residents of restricted jurisdictions may not purchase tokens.",
    "The information in this whitepaper may be updated or changed without notice, and we make "
    "no representation or warranty as to its accuracy or completeness.",
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software and associated documentation files (the Software), to deal in the Software "
    "without restriction, including without limitation the rights to use, copy, modify, merge, "
    "publish, distribute, sublicense, and/or sell copies of the Software.",
    "THE SOFTWARE IS PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING "
    "BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
    "NONINFRINGEMENT.",
)


@cache
def boilerplate_keys() -> frozenset[int]:
    """The shingle keys of the standard passages."""
    return frozenset(key for passage in PASSAGES for key in shingle_keys(words(passage).tokens))
