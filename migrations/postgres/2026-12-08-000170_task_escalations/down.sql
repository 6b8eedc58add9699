DROP INDEX leads_unworked_idx;
DROP TABLE task_escalations;
