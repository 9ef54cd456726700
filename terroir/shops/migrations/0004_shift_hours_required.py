# Every shift has its hours (0003 copied them): the columns are required.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shops", "0003_shift_hours"),
    ]

    operations = [
        migrations.AlterField(model_name="shift", name="starts", field=models.TimeField(verbose_name="from")),
        migrations.AlterField(model_name="shift", name="ends", field=models.TimeField(verbose_name="to")),
        migrations.AlterModelOptions(name="shift", options={"ordering": ["date", "starts", "member__name"]}),
    ]
