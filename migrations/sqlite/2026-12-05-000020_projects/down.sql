DROP TABLE project_memberships;
DROP TABLE projects;
