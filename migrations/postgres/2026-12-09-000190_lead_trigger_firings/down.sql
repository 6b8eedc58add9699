DROP TABLE lead_trigger_firings;
