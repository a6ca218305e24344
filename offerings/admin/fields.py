"""Form fields of the admin's data entry: amounts typed as people write them, and lists typed
one item per line. The reading rules live in offerings.amounts, offerings.interchange and
offerings.lists; these fields only carry them into a form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from offerings.amounts import EXACT, AmbiguousAmount, amount_from_typed, readable
from offerings.interchange import BadValue, read_decimal
from offerings.limits import quoted
from offerings.lists import countries_from_lines, names_from_lines, socials_from_lines


class AmountInput(forms.TextInput):
    """Shows a stored amount with thousands separators and no trailing zeros."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "class": "amount-input", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal):
            return readable(value)
        return super().format_value(value)


class AmountField(forms.Field):
    """An exact amount typed as '20,000,000', '20000000', '2e7' or '20 000 000'; anything
    ambiguous or out of bounds is refused with the field, the value and the rule."""

    widget = AmountInput

    def __init__(
        self, *, name: str, max_digits: int = 40, decimal_places: int = 18, **kwargs: Any
    ) -> None:
        self.name, self.max_digits, self.decimal_places = name, max_digits, decimal_places
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        try:
            number = read_decimal(amount_from_typed(str(value)))
        except (AmbiguousAmount, BadValue) as exc:
            raise ValidationError(self._message(value, str(exc)), code="invalid") from None
        number = number.normalize(EXACT)
        if number.as_tuple().exponent > 0:  # type: ignore[operator]
            number = number.quantize(Decimal(1))  # 2E+7 -> 20000000
        whole_digits = max(number.adjusted() + 1, 0)
        places = max(-number.as_tuple().exponent, 0)  # type: ignore[operator]
        if whole_digits > self.max_digits - self.decimal_places:
            limit = self.max_digits - self.decimal_places
            raise ValidationError(self._message(value, f"must be below 10^{limit}"), code="max")
        if places > self.decimal_places:
            rule = f"must have at most {self.decimal_places} decimal places"
            raise ValidationError(self._message(value, rule), code="places")
        return number

    def _message(self, value: Any, rule: str) -> str:
        return f"{self.name} ({quoted(str(value))!r}) {rule}"


class LinesField(forms.CharField):
    """A list typed one item per line; `read(field, text)` turns the text into the value."""

    def __init__(self, *, name: str, read, show=None, **kwargs: Any) -> None:
        self.name, self.read, self.show = name, read, show or "\n".join
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "class": "lines-input"}))
        kwargs.setdefault("required", False)
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(entry) for entry in value)
        if isinstance(value, dict):
            return self.show(value)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return value
        return self.read(self.name, value)

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return (self.to_python(data) or None) != (initial or None)
        except ValidationError:
            return True


def backers_field(**kwargs: Any) -> LinesField:
    return LinesField(name="backers", read=names_from_lines, **kwargs)


def countries_field(**kwargs: Any) -> LinesField:
    return LinesField(name="restricted_countries", read=countries_from_lines, **kwargs)


def socials_field(**kwargs: Any) -> LinesField:
    return LinesField(name="socials", read=socials_from_lines, **kwargs)
