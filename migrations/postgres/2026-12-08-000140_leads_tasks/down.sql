DROP TABLE user_shifts;
DROP TABLE tasks;
DROP TABLE lead_history;
DROP TABLE leads;
