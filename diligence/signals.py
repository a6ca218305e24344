"""Signals other apps listen to, so that diligence need not know who reacts to a rescoring."""

from django.dispatch import Signal

# Sent inside the rescoring transaction with `changes`: a list of
# diligence.changes.AssessmentChange, one per offering that got a new assessment.
assessments_changed = Signal()
