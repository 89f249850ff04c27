//! Diesel table definitions, one per table in `migrations/{sqlite,mysql}`; both backends share
//! them, so the two migration sets must keep the same columns.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        admin_guard_version -> BigInt,
        project_access_version -> BigInt,
    }
}

diesel::table! {
    org_domains (id) {
        id -> Text,
        org_id -> Text,
        domain -> Text,
        verified -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idp_connections (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        dialect -> Text,
        auth_mode -> Text,
        jwt_issuer -> Nullable<Text>,
        jwt_audience -> Nullable<Text>,
        jwks_url -> Nullable<Text>,
        jwt_static_key -> Nullable<Text>,
        requests_per_minute -> Nullable<Integer>,
        disabled -> Bool,
        created_at -> Timestamp,
        takeover_unmanaged -> Bool,
        jwt_required_claims -> Nullable<Text>,
        role_mapping -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        org_id -> Text,
        user_name -> Text,
        user_name_lower -> Text,
        external_id -> Nullable<Text>,
        display_name -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        active -> Bool,
        attributes -> Text,
        role -> Text,
        role_source -> Text,
        licence -> Nullable<Text>,
        is_external -> Bool,
        managed_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_emails (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        value -> Text,
        value_lower -> Text,
        email_type -> Nullable<Text>,
        is_primary -> Bool,
    }
}

diesel::table! {
    scim_groups (id) {
        id -> Text,
        org_id -> Text,
        display_name -> Text,
        display_name_lower -> Text,
        external_id -> Nullable<Text>,
        attributes -> Text,
        managed_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    group_members (group_id, member_id) {
        group_id -> Text,
        member_id -> Text,
        org_id -> Text,
        member_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tokens (id) {
        id -> Text,
        org_id -> Text,
        kind -> Text,
        key_id -> Text,
        secret_hash -> Text,
        subject_id -> Text,
        name -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        org_id -> Text,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Text,
        on_behalf_of -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Text,
        details -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        org_id -> Text,
        topic -> Text,
        payload -> Text,
        idempotency_key -> Text,
        created_at -> Timestamp,
        available_at -> Timestamp,
        attempts -> Integer,
        claimed_by -> Nullable<Text>,
        claim_version -> BigInt,
        delivered_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        dead_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_deliveries (outbox_id, target) {
        outbox_id -> Text,
        target -> Text,
        delivered_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_valid_until -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scheduled_jobs (name) {
        name -> Text,
        claim_version -> BigInt,
        next_run_at -> Timestamp,
        claimed_by -> Nullable<Text>,
    }
}

diesel::table! {
    roles (org_id, id) {
        org_id -> Text,
        id -> Text,
        name -> Text,
        name_lower -> Text,
        description -> Text,
        base_role -> Text,
        standard -> Bool,
        permissions -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        invite_default_internal_role -> Nullable<Text>,
        invite_default_external_role -> Nullable<Text>,
    }
}

diesel::table! {
    org_settings (org_id) {
        org_id -> Text,
        guest_invites -> Bool,
        restrict_guest_invites -> Bool,
        trusted_domains -> Text,
        upload_files -> Bool,
        download_files_on_mobile -> Bool,
        personal_access_tokens -> Bool,
        apps -> Bool,
        ai -> Bool,
        default_internal_role -> Text,
        default_external_role -> Text,
        governance_version -> BigInt,
        updated_at -> Timestamp,
        restrict_guest_apps -> Bool,
        restrict_guest_personal_access_tokens -> Bool,
    }
}

diesel::table! {
    token_policies (org_id, kind) {
        org_id -> Text,
        kind -> Text,
        period_days -> Nullable<Integer>,
        set_at -> Timestamp,
    }
}

diesel::table! {
    service_accounts (id) {
        org_id -> Text,
        id -> Text,
        name -> Text,
        role -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    role_mapping_rules (connection_id, position) {
        org_id -> Text,
        connection_id -> Text,
        position -> Integer,
        filter -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    invites (id) {
        org_id -> Text,
        id -> Text,
        email -> Text,
        email_lower -> Text,
        role_id -> Nullable<Text>,
        invited_by -> Text,
        inviter_role_id -> Text,
        status -> Text,
        created_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_user_id -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    apps (id) {
        org_id -> Text,
        id -> Text,
        client_id -> Text,
        name -> Text,
        description -> Text,
        developer -> Text,
        support_url -> Nullable<Text>,
        privacy_url -> Nullable<Text>,
        permissions -> Text,
        blocked -> Bool,
        approved -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_usage_days (org_id, app_id, user_id, day) {
        org_id -> Text,
        app_id -> Text,
        user_id -> Text,
        day -> Date,
        uses -> BigInt,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    app_settings (org_id) {
        org_id -> Text,
        app_mode -> Text,
        external_automation -> Bool,
        approval_recipients -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_approval_requests (id) {
        org_id -> Text,
        id -> Text,
        app_id -> Text,
        requester_id -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    app_user_blocks (org_id, app_id, user_id) {
        org_id -> Text,
        app_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    app_exports (id) {
        org_id -> Text,
        id -> Text,
        requested_by -> Text,
        created_at -> Timestamp,
        row_count -> BigInt,
        csv -> Text,
    }
}

diesel::table! {
    app_actors (id) {
        org_id -> Text,
        id -> Text,
        name -> Text,
        display_name -> Nullable<Text>,
        description -> Nullable<Text>,
        agent_type -> Nullable<Text>,
        active -> Bool,
        owner_kind -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_via -> Text,
        connection_id -> Nullable<Text>,
        external_id -> Nullable<Text>,
        document -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        app_id -> Nullable<Text>,
    }
}

diesel::table! {
    agentic_applications (id) {
        org_id -> Text,
        id -> Text,
        name -> Text,
        external_id -> Nullable<Text>,
        connection_id -> Nullable<Text>,
        document -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_actor_grants (actor_id, resource_kind, access) {
        org_id -> Text,
        actor_id -> Text,
        resource_kind -> Text,
        access -> Text,
        projects -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        org_id -> Text,
        id -> Text,
        name -> Text,
        owner_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_actor_tokens (token_id) {
        token_id -> Text,
        org_id -> Text,
        actor_id -> Text,
        on_behalf_of -> Nullable<Text>,
        grants -> Text,
    }
}

diesel::table! {
    personal_token_grants_used (token_id, resource_kind, access, used_on) {
        org_id -> Text,
        token_id -> Text,
        resource_kind -> Text,
        access -> Text,
        used_on -> Timestamp,
    }
}

diesel::table! {
    project_memberships (id) {
        org_id -> Text,
        id -> Text,
        project_id -> Text,
        user_id -> Nullable<Text>,
        team_id -> Nullable<Text>,
        access_level -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(org_domains -> organizations (org_id));
diesel::joinable!(user_emails -> users (user_id));
diesel::joinable!(group_members -> scim_groups (group_id));
diesel::joinable!(app_usage_days -> apps (app_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    org_domains,
    idp_connections,
    users,
    user_emails,
    scim_groups,
    group_members,
    tokens,
    audit_events,
    outbox,
    outbox_deliveries,
    webhook_endpoints,
    scheduled_jobs,
    roles,
    org_settings,
    role_mapping_rules,
    invites,
    apps,
    app_usage_days,
    app_settings,
    app_approval_requests,
    app_user_blocks,
    app_exports,
    token_policies,
    service_accounts,
    app_actors,
    agentic_applications,
    app_actor_grants,
    app_actor_tokens,
    personal_token_grants_used,
    projects,
    project_memberships,
);
