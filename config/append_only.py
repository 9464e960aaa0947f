"""The one rule for records kept as evidence: they are added, never changed.

The event trail, the stock ledger, kept order revisions, quiz answers, review logs
and an assessor's judgements all inherit it: saving a row a second time, deleting
it, or updating or deleting through a queryset raises. Migrations and database
flushes do not go through these methods, so they are unaffected.
"""

from django.db import models


def _refusal(model) -> str:
    name = model._meta.verbose_name_plural
    return (
        f"{name[:1].upper()}{name[1:]} are append-only: a kept one cannot be "
        "changed or deleted; record a new one."
    )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError(_refusal(self.model))

    def delete(self):
        raise ValueError(_refusal(self.model))


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(_refusal(type(self)))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(_refusal(type(self)))
