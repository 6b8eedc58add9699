DROP TABLE lost_requests;
DROP TABLE deal_comments;
DROP TABLE deal_collaborators;
DROP TABLE deal_documents;
DROP TABLE deal_stage_changes;
DROP TABLE deals;
