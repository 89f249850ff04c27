DROP TABLE agentic_applications;
DROP TABLE app_actors;
