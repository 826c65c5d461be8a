"""Incidents: scheduled and emergency works (a water cut, a broken lift) that staff announce
once for the buildings or stairwells they affect, and the link from a defect report to the
incident it is part of.

What a home sees is read from one index of ``incident_area``: the building, then the end of
the time an incident is shown, then its start; what every page's banner may show, in any
building, from a second index that starts with the end. The models are frozen copies,
independent of portal.models.
"""

from peewee import *


def up(migrator, db):
    class Stub(Model):
        class Meta:
            database = db

    class Building(Stub):
        class Meta:
            table_name = "building"

    class Incident(Model):
        kind = CharField(
            max_length=20,
            constraints=[
                Check(
                    "kind IN ('water', 'hot_water', 'heating', 'electricity', 'lift', "
                    "'door_lock', 'ventilation', 'other')"
                )
            ],
        )
        emergency = BooleanField(default=False)
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        text_fi = TextField()
        text_sv = TextField(default="")
        text_en = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        resolved_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "incident"
            constraints = [Check("ends_at > starts_at")]
            indexes = ((("resolved_at", "ends_at"), False),)

    class IncidentArea(Model):
        incident = ForeignKeyField(Incident, on_delete="CASCADE")
        building = ForeignKeyField(Building, on_delete="CASCADE")
        stairwell = CharField(max_length=10, default="")
        shown_from = DateTimeField()
        shown_until = DateTimeField()

        class Meta:
            database = db
            table_name = "incident_area"
            indexes = (
                (("incident", "building", "stairwell"), True),
                (("building", "shown_until", "shown_from"), False),
                (("shown_until", "shown_from"), False),
            )

    db.create_tables([Incident, IncidentArea])
    migrator.migrate(
        migrator.add_column(
            "defect_report",
            "incident_id",
            ForeignKeyField(Incident, null=True, on_delete="SET NULL", field=Incident.id),
        ),
    )
    db.execute_sql("ANALYZE")


def down(migrator, db):
    migrator.migrate(migrator.drop_column("defect_report", "incident_id"))
    for table in ("incident_area", "incident"):
        migrator.migrate(migrator.drop_table(table))
