DROP TABLE store_visit_invitations;
DROP TABLE showroom_visits;
