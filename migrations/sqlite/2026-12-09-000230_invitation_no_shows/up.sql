-- The job that settles no-shows looks for invitations still scheduled whose appointment has
-- passed, across organisations, oldest first.
CREATE INDEX store_visit_invitations_scheduled_idx
    ON store_visit_invitations (status, appointment_at, id);
