"""The form of the API keys page: what a new key may do, from where, until when."""

from __future__ import annotations

from django import forms
from django.conf import settings

from api.models import Scope


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses the key, e.g. 'ci-importer'.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nothing is allowed unless ticked. Write scopes need the two fields below.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=settings.API_KEY_MAX_EXPIRY_DAYS,
        initial=settings.API_KEY_DEFAULT_EXPIRY_DAYS,
    )
    allowed_ips = forms.CharField(
        label="IP allowlist",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One IPv4 or IPv6 network per line (CIDR), e.g. 203.0.113.0/24.",
    )
    public_key = forms.CharField(
        label="Ed25519 public key",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Base64 of the 32-byte key, or PEM: verifies your signed writes.",
    )

    def cleaned_networks(self) -> list[str]:
        return self.cleaned_data["allowed_ips"].split()


class RollForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="Old key keeps working for (hours)",
        min_value=0,
        max_value=settings.API_KEY_MAX_OVERLAP_DAYS * 24,
        initial=24,
    )
