DROP TABLE app_exports;
DROP TABLE app_user_blocks;
DROP TABLE app_approval_requests;
DROP TABLE app_settings;
DROP TABLE app_usage_days;
DROP TABLE apps;
