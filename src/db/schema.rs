// @generated automatically by Diesel CLI.

diesel::table! {
    admin_audit (id) {
        id -> Uuid,
        actor -> Nullable<Uuid>,
        at -> Timestamptz,
        subject_kind -> Text,
        subject_id -> Text,
        action -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        device_name -> Text,
        user_agent -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoke_reason -> Nullable<Text>,
        aal -> Int2,
    }
}

diesel::table! {
    catalog_items (kind, key) {
        kind -> Text,
        key -> Text,
        position -> Int4,
        doc -> Jsonb,
        revision -> Int4,
        retired_at -> Nullable<Timestamptz>,
        baseline -> Nullable<Jsonb>,
        edited_at -> Nullable<Timestamptz>,
        newer_baseline -> Nullable<Jsonb>,
    }
}

diesel::table! {
    catalog_meta (id) {
        id -> Bool,
        version -> Text,
        loaded_at -> Timestamptz,
        safety -> Jsonb,
        baseline -> Nullable<Text>,
    }
}

diesel::table! {
    catalog_revisions (kind, key, revision) {
        kind -> Text,
        key -> Text,
        revision -> Int4,
        doc -> Jsonb,
        retired -> Bool,
        source -> Text,
        actor -> Nullable<Uuid>,
        at -> Timestamptz,
    }
}

diesel::table! {
    email_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        purpose -> Text,
        email -> Text,
        code_hash -> Bytea,
        link_hash -> Bytea,
        attempts -> Int4,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    favorites (user_id, kind, item) {
        user_id -> Uuid,
        kind -> Text,
        item -> Text,
        position -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    history_days (user_id, day, condition_slug, routine_slug) {
        user_id -> Uuid,
        day -> Date,
        condition_slug -> Text,
        routine_slug -> Text,
        sessions -> Int4,
        seconds -> Int8,
        pain_sum -> Int4,
        pain_n -> Int4,
        stress_sum -> Int4,
        stress_n -> Int4,
        improvement_sum -> Int4,
        improvement_n -> Int4,
    }
}

diesel::table! {
    history_point_days (user_id, day, condition_slug, point_code) {
        user_id -> Uuid,
        day -> Date,
        condition_slug -> Text,
        point_code -> Text,
        sessions -> Int4,
        times -> Int4,
        seconds -> Int8,
        pain_sum -> Int4,
        pain_n -> Int4,
        stress_sum -> Int4,
        stress_n -> Int4,
        improvement_sum -> Int4,
        improvement_n -> Int4,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Uuid,
        request_hash -> Bytea,
        response_status -> Int2,
        created_at -> Timestamptz,
        response_location -> Nullable<Text>,
        response_bytes -> Nullable<Bytea>,
    }
}

diesel::table! {
    identities (id) {
        id -> Uuid,
        user_id -> Uuid,
        provider -> Text,
        subject -> Text,
        email -> Nullable<Text>,
        email_verified -> Bool,
        private_email -> Bool,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        template -> Text,
        to_address -> Text,
        subject -> Text,
        body_text -> Nullable<Text>,
        body_html -> Nullable<Text>,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    massage_sessions (user_id, id) {
        id -> Uuid,
        user_id -> Uuid,
        started_at -> Timestamptz,
        duration_seconds -> Int4,
        routine_slug -> Nullable<Text>,
        condition_slug -> Nullable<Text>,
        pain_before -> Nullable<Int2>,
        pain_after -> Nullable<Int2>,
        stress_before -> Nullable<Int2>,
        stress_after -> Nullable<Int2>,
        mood -> Nullable<Text>,
        notes -> Nullable<Text>,
        steps -> Jsonb,
        step_points -> Nullable<Array<Nullable<Text>>>,
        step_seconds -> Nullable<Array<Nullable<Int4>>>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int8,
    }
}

diesel::table! {
    meridians (code) {
        code -> Text,
        position -> Int4,
        english_name -> Text,
        pinyin -> Text,
        hanzi -> Text,
        hanzi_traditional -> Text,
        aliases -> Array<Nullable<Text>>,
        point_count -> Int4,
    }
}

diesel::table! {
    mfa_challenges (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        method -> Text,
        device_name -> Text,
        user_agent -> Nullable<Text>,
        attempts -> Int4,
        pending_identity -> Nullable<Jsonb>,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    mfa_recovery_codes (user_id, lookup) {
        user_id -> Uuid,
        lookup -> Text,
        hash -> Text,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mfa_totp (user_id) {
        user_id -> Uuid,
        secret -> Bytea,
        confirmed_at -> Nullable<Timestamptz>,
        last_step -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    own_routines (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        conditions -> Array<Nullable<Text>>,
        steps -> Jsonb,
        origin -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int8,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        tat -> Timestamptz,
        allowed -> Bool,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reminders (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        days -> Int2,
        local_time -> Time,
        time_zone -> Nullable<Text>,
        routine_slug -> Nullable<Text>,
        label -> Nullable<Text>,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    retired_identities (id) {
        id -> Uuid,
        provider -> Text,
        subject -> Text,
        user_id -> Uuid,
        reason -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    security_events (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        at -> Timestamptz,
        session_id -> Nullable<Uuid>,
        device -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        email -> Nullable<Text>,
        method -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        display_name -> Text,
        locale -> Text,
        time_zone -> Text,
        role -> Text,
        is_guest -> Bool,
        pregnant -> Bool,
        bleeding_risk -> Bool,
        varicose_veins -> Bool,
        recent_surgery_or_fracture -> Bool,
        skin_condition -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        history_version -> Int8,
        history_purged_version -> Int8,
        history_rolled_version -> Int8,
        favorites_version -> Int8,
        email_verified_at -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(email_codes -> users (user_id));
diesel::joinable!(favorites -> users (user_id));
diesel::joinable!(history_days -> users (user_id));
diesel::joinable!(history_point_days -> users (user_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(identities -> users (user_id));
diesel::joinable!(mail_outbox -> users (user_id));
diesel::joinable!(massage_sessions -> users (user_id));
diesel::joinable!(mfa_challenges -> users (user_id));
diesel::joinable!(mfa_recovery_codes -> users (user_id));
diesel::joinable!(mfa_totp -> users (user_id));
diesel::joinable!(own_routines -> users (user_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));
diesel::joinable!(reminders -> users (user_id));
diesel::joinable!(security_events -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    admin_audit,
    auth_sessions,
    catalog_items,
    catalog_meta,
    catalog_revisions,
    email_codes,
    favorites,
    history_days,
    history_point_days,
    idempotency_keys,
    identities,
    mail_outbox,
    massage_sessions,
    meridians,
    mfa_challenges,
    mfa_recovery_codes,
    mfa_totp,
    own_routines,
    rate_limits,
    refresh_tokens,
    reminders,
    retired_identities,
    security_events,
    users,
);
