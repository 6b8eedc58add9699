-- What a customer wants (issue 8, item 3): JSON of autocrm_domain::customer::Needs, read by
-- matching, lead scoring and dynamic tags. NULL: nothing stated yet.
ALTER TABLE customers ADD COLUMN needs TEXT;
