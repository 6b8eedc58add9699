DROP TABLE inspection_reports;
