"""The form definitions (``FormDef``), one module per form or family of forms.

There is no registry here: the one registry is ``docgen.steps.STEPS``, keyed by form id, and
``docgen.steps.FORMS`` is its read-only view of the forms. The readers in ``docgen.office`` are handed
that view, so the lower layers never import the steps (docs/design.md §6).
"""
