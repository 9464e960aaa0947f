import django.db.models.deletion
from django.db import migrations, models


def drop_unfinished(apps, schema_editor):
    # A submission without an order never completed: nothing refers to it.
    apps.get_model("orders", "ReceiptSubmission").objects.filter(
        order__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_order_newest_first_index")]

    operations = [
        migrations.RunPython(drop_unfinished, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="receiptsubmission",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orders.order",
            ),
        ),
    ]
