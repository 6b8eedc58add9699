//! One diesel schema for both backends; both migration sets must match it.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        currency -> Text,
        time_zone -> Text,
        settings -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    stores (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        city -> Text,
        region -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        latitude_e6 -> Nullable<Integer>,
        longitude_e6 -> Nullable<Integer>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        kind -> Text,
        name -> Text,
        phone_ciphertext -> Nullable<Text>,
        phone_blind_index -> Nullable<Text>,
        phone_masked -> Nullable<Text>,
        email -> Nullable<Text>,
        city -> Nullable<Text>,
        source_channel -> Nullable<Text>,
        notes -> Nullable<Text>,
        marketing_consent -> Bool,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        needs -> Nullable<Text>,
        gender -> Nullable<Text>,
        birthday -> Nullable<Text>,
        personal_ciphertext -> Nullable<Text>,
        personal_masked -> Nullable<Text>,
        region -> Nullable<Text>,
        source_detail -> Nullable<Text>,
        referrer_id -> Nullable<Text>,
        lifecycle_stage -> Text,
        custom_attributes -> Nullable<Text>,
        business -> Nullable<Text>,
    }
}

diesel::table! {
    customer_lookups (org_id, kind, blind_index, customer_id) {
        org_id -> Text,
        kind -> Text,
        blind_index -> Text,
        customer_id -> Text,
    }
}

diesel::table! {
    customer_contacts (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        ordinal -> Integer,
        name -> Text,
        role -> Nullable<Text>,
        phones_ciphertext -> Nullable<Text>,
        phones_masked -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_lifecycle_changes (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        change_reason -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        org_id -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        detail -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        idempotency_key -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        org_id -> Text,
        event_type -> Text,
        aggregate_type -> Text,
        aggregate_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        feed_position -> Nullable<BigInt>,
    }
}

diesel::table! {
    idempotency_keys (org_id, principal_id, idempotency_key) {
        org_id -> Text,
        principal_id -> Text,
        idempotency_key -> Text,
        request_fingerprint -> Text,
        status_code -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    finance_products (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        lender -> Text,
        terms -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    financing_applications (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        product_id -> Nullable<Text>,
        deal_id -> Nullable<Text>,
        quote_id -> Nullable<Text>,
        status -> Text,
        plan -> Text,
        quote -> Text,
        subsidy_cents -> BigInt,
        documents -> Text,
        note -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    financing_application_events (id) {
        id -> Text,
        org_id -> Text,
        application_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> Text,
        actor_role -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        org_id -> Text,
        owner_type -> Text,
        owner_id -> Text,
        status -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Nullable<Text>,
        filename_ciphertext -> Nullable<Text>,
        storage -> Text,
        storage_key -> Text,
        key_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        stored_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        position -> BigInt,
        kind -> Text,
        title -> Text,
        body -> Text,
        link -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_counters (user_id) {
        user_id -> Text,
        last_position -> BigInt,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Text,
        org_id -> Text,
        channels -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notification_gateways (id) {
        id -> Text,
        org_id -> Text,
        channel -> Text,
        url -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        secret_ciphertext -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notification_stream_tickets (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        ticket_hash -> Text,
        expires_at -> Timestamp,
        access_expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(stores -> organizations (org_id));
diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(customers -> organizations (org_id));
diesel::joinable!(api_clients -> organizations (org_id));

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        secret_ciphertext -> Text,
        previous_secret_ciphertext -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        org_id -> Text,
        target_kind -> Text,
        target_id -> Text,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        org_id -> Text,
        target_kind -> Text,
        target_id -> Text,
        event_id -> Text,
        event_type -> Text,
        attempt -> Integer,
        attempted_at -> Timestamp,
        outcome -> Text,
        response_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        response_body -> Nullable<Text>,
        error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customer_activities (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        kind -> Text,
        outcome -> Nullable<Text>,
        occurred_at -> Timestamp,
        next_follow_up_at -> Nullable<Timestamp>,
        content -> Nullable<Text>,
        attachment_ids -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_sign_in_codes (id) {
        id -> Text,
        org_id -> Text,
        phone_blind_index -> Text,
        code_hash -> Text,
        attempts -> Integer,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    behavior_events (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        event_type -> Text,
        occurred_at -> Timestamp,
        local_date -> Text,
        models -> Text,
        page -> Nullable<Text>,
        posted_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    device_links (id) {
        id -> Text,
        org_id -> Text,
        device_id -> Text,
        customer_id -> Text,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    consent_records (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        purpose -> Text,
        action -> Text,
        channel -> Text,
        method -> Text,
        given_at -> Timestamp,
        text_version -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_vehicles (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        vin -> Nullable<Text>,
        plate -> Nullable<Text>,
        brand -> Text,
        model -> Text,
        model_year -> Nullable<Integer>,
        purchase_date -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vehicle_mileage_readings (id) {
        id -> Text,
        org_id -> Text,
        vehicle_id -> Text,
        mileage_km -> BigInt,
        read_at -> Timestamp,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        colour -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_tags (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        tag_id -> Text,
        assigned_by -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    customer_dynamic_tags (id) {
        id -> Text,
        org_id -> Text,
        customer_id -> Text,
        name -> Text,
        rule_id -> Text,
        reasons -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    wechat_mini_programs (org_id) {
        org_id -> Text,
        app_id -> Text,
        secret_ciphertext -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_merges (id) {
        id -> Text,
        org_id -> Text,
        survivor_id -> Text,
        source_id -> Text,
        field_choices -> Text,
        moved -> Text,
        merged_by -> Text,
        merged_at -> Timestamp,
    }
}

diesel::table! {
    customer_imports (id) {
        id -> Text,
        org_id -> Text,
        created_by -> Text,
        store_id -> Nullable<Text>,
        status -> Text,
        encoding -> Text,
        total_rows -> BigInt,
        valid_rows -> BigInt,
        processed_rows -> BigInt,
        created_count -> BigInt,
        skipped_count -> BigInt,
        failed_count -> BigInt,
        report -> Text,
        pending_rows -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vehicles (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        vin -> Text,
        vin_override_reason -> Nullable<Text>,
        stock_number -> Nullable<Text>,
        condition -> Text,
        brand -> Text,
        brand_key -> Text,
        model -> Text,
        model_key -> Text,
        model_year -> Nullable<Integer>,
        body_type -> Nullable<Text>,
        energy_type -> Nullable<Text>,
        transmission -> Nullable<Text>,
        colour -> Nullable<Text>,
        colour_family -> Nullable<Text>,
        seats -> Nullable<Integer>,
        mileage_km -> BigInt,
        first_registration_date -> Nullable<Text>,
        age_from -> Nullable<Text>,
        asking_price_cents -> BigInt,
        status -> Text,
        in_stock_since -> Nullable<Text>,
        sold_at -> Nullable<Timestamp>,
        sold_price_cents -> Nullable<BigInt>,
        features -> Text,
        specs -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vehicle_costs (vehicle_id) {
        vehicle_id -> Text,
        org_id -> Text,
        acquisition_cost_cents -> Nullable<BigInt>,
        floor_price_cents -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    market_prices (id) {
        id -> Text,
        org_id -> Text,
        brand -> Text,
        brand_key -> Text,
        model -> Text,
        model_key -> Text,
        model_year -> Integer,
        mileage_km -> Nullable<BigInt>,
        price_cents -> BigInt,
        source -> Text,
        observed_on -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspection_reports (id) {
        id -> Text,
        org_id -> Text,
        vehicle_id -> Text,
        inspector_name -> Text,
        inspector_user_id -> Nullable<Text>,
        inspected_on -> Text,
        mileage_km -> BigInt,
        accident -> Bool,
        flood -> Bool,
        fire -> Bool,
        odometer_check -> Text,
        grade -> Text,
        summary -> Text,
        clean -> Bool,
        items -> Text,
        maintenance -> Text,
        notes -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_need_index (customer_id) {
        customer_id -> Text,
        org_id -> Text,
        budget_min_cents -> Nullable<BigInt>,
        budget_max_cents -> Nullable<BigInt>,
        hard_budget -> Bool,
        hard_body_types -> Nullable<Text>,
        hard_energy_types -> Nullable<Text>,
        hard_brand_keys -> Nullable<Text>,
        hard_condition -> Nullable<Text>,
        hard_min_seats -> Nullable<Integer>,
        hard_max_mileage_km -> Nullable<BigInt>,
        hard_transmission -> Nullable<Text>,
    }
}

diesel::table! {
    inventory_alert_rules (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        kind -> Text,
        threshold -> BigInt,
        brand -> Nullable<Text>,
        brand_key -> Nullable<Text>,
        model -> Nullable<Text>,
        model_key -> Nullable<Text>,
        body_type -> Nullable<Text>,
        store_id -> Nullable<Text>,
        notify_roles -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vehicle_reservations (id) {
        id -> Text,
        org_id -> Text,
        vehicle_id -> Text,
        customer_id -> Text,
        reserved_by -> Text,
        status -> Text,
        note -> Nullable<Text>,
        expires_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
        release_reason -> Nullable<Text>,
        release_note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_alerts (id) {
        id -> Text,
        org_id -> Text,
        rule_id -> Text,
        kind -> Text,
        subject -> Text,
        open_subject -> Nullable<Text>,
        vehicle_id -> Nullable<Text>,
        store_id -> Nullable<Text>,
        threshold -> BigInt,
        observed -> BigInt,
        message -> Text,
        status -> Text,
        opened_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vehicle_transfers (id) {
        id -> Text,
        org_id -> Text,
        vehicle_id -> Text,
        from_store_id -> Text,
        to_store_id -> Text,
        status -> Text,
        reason -> Text,
        requested_by -> Text,
        distance_km -> Nullable<BigInt>,
        road_km -> Nullable<BigInt>,
        estimated_days -> Nullable<Integer>,
        estimated_cost_cents -> Nullable<BigInt>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        dispatched_by -> Nullable<Text>,
        dispatched_at -> Nullable<Timestamp>,
        carrier -> Nullable<Text>,
        waybill_no -> Nullable<Text>,
        estimated_arrival -> Nullable<Timestamp>,
        received_by -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vehicle_transfer_tracking (id) {
        id -> Text,
        org_id -> Text,
        transfer_id -> Text,
        at -> Timestamp,
        position -> Text,
        city -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        customer_id -> Text,
        owner_id -> Nullable<Text>,
        status -> Text,
        grade -> Text,
        score -> Integer,
        score_detail -> Text,
        source -> Text,
        source_lead_id -> Nullable<Text>,
        campaign_id -> Nullable<Text>,
        utm -> Nullable<Text>,
        referrer -> Nullable<Text>,
        needs -> Nullable<Text>,
        raw_ciphertext -> Nullable<Text>,
        raw_expires_at -> Nullable<Timestamp>,
        created_by -> Text,
        active_since -> Timestamp,
        last_worked_at -> Nullable<Timestamp>,
        assigned_at -> Nullable<Timestamp>,
        pool_since -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lead_history (id) {
        id -> Text,
        org_id -> Text,
        lead_id -> Text,
        kind -> Text,
        from_user_id -> Nullable<Text>,
        to_user_id -> Nullable<Text>,
        from_value -> Nullable<Text>,
        to_value -> Nullable<Text>,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        lead_id -> Nullable<Text>,
        deal_id -> Nullable<Text>,
        customer_id -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        note -> Nullable<Text>,
        status -> Text,
        due_at -> Timestamp,
        escalation_step -> Integer,
        dedupe_key -> Nullable<Text>,
        activity_id -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        completed_by -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    task_escalations (id) {
        id -> Text,
        org_id -> Text,
        task_id -> Text,
        step -> Text,
        step_index -> Integer,
        lead_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        notified -> Text,
        reassigned_to -> Nullable<Text>,
        due_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_shifts (user_id) {
        user_id -> Text,
        org_id -> Text,
        pattern -> Text,
        on_duty -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deals (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        customer_id -> Text,
        lead_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        title -> Text,
        stage -> Text,
        payment -> Nullable<Text>,
        amount_cents -> Nullable<BigInt>,
        expected_close_date -> Nullable<Text>,
        vehicle_id -> Nullable<Text>,
        note -> Nullable<Text>,
        lost_reason -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deal_stage_changes (id) {
        id -> Text,
        org_id -> Text,
        deal_id -> Text,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        waivers -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deal_documents (id) {
        id -> Text,
        org_id -> Text,
        deal_id -> Text,
        attachment_id -> Text,
        kind -> Text,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deal_collaborators (id) {
        id -> Text,
        org_id -> Text,
        deal_id -> Text,
        user_id -> Text,
        role_note -> Nullable<Text>,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deal_comments (id) {
        id -> Text,
        org_id -> Text,
        deal_id -> Text,
        author_id -> Text,
        body -> Nullable<Text>,
        mentions -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lost_requests (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        customer_id -> Text,
        lead_id -> Nullable<Text>,
        deal_id -> Nullable<Text>,
        reason -> Text,
        note -> Nullable<Text>,
        status -> Text,
        requested_by -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    test_drives (id) {
        id -> Text,
        org_id -> Text,
        vehicle_id -> Text,
        customer_id -> Text,
        lead_id -> Nullable<Text>,
        consultant_id -> Text,
        store_id -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        licence_ciphertext -> Nullable<Text>,
        licence_masked -> Nullable<Text>,
        note -> Nullable<Text>,
        feedback -> Nullable<Text>,
        booked_by -> Text,
        booked_via -> Text,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    test_drive_slots (resource, resource_id, slot_start) {
        resource -> Text,
        resource_id -> Text,
        slot_start -> Timestamp,
        org_id -> Text,
        test_drive_id -> Text,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quotes (id) {
        id -> Text,
        org_id -> Text,
        deal_id -> Text,
        version_number -> BigInt,
        status -> Text,
        valid_until -> Timestamp,
        vehicle_id -> Text,
        vin -> Text,
        lines -> Text,
        tax -> Text,
        vehicle_net_cents -> BigInt,
        purchase_tax_cents -> BigInt,
        total_cents -> BigInt,
        financing -> Nullable<Text>,
        financing_application_id -> Nullable<Text>,
        created_by -> Text,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        declined_at -> Nullable<Timestamp>,
        declined_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        decline_note -> Nullable<Text>,
    }
}

diesel::table! {
    handovers (id) {
        id -> Text,
        org_id -> Text,
        from_user_id -> Text,
        reason -> Text,
        targets -> Text,
        counts -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_trigger_firings (id) {
        id -> Text,
        org_id -> Text,
        rule_key -> Text,
        rule_name -> Text,
        lead_id -> Text,
        customer_id -> Text,
        subject -> Nullable<Text>,
        window_key -> Text,
        window_start -> Timestamp,
        covered_until -> Timestamp,
        event_count -> Integer,
        day_count -> Integer,
        task_id -> Nullable<Text>,
        fired_at -> Timestamp,
    }
}

diesel::table! {
    showroom_visits (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        customer_id -> Text,
        lead_id -> Nullable<Text>,
        consultant_id -> Nullable<Text>,
        arrived_at -> Timestamp,
        departed_at -> Nullable<Timestamp>,
        party_size -> Integer,
        kind -> Text,
        invitation_id -> Nullable<Text>,
        note -> Nullable<Text>,
        registered_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    store_visit_invitations (id) {
        id -> Text,
        org_id -> Text,
        store_id -> Nullable<Text>,
        customer_id -> Text,
        lead_id -> Nullable<Text>,
        consultant_id -> Text,
        appointment_at -> Timestamp,
        status -> Text,
        note -> Nullable<Text>,
        visit_id -> Nullable<Text>,
        rescheduled_from_id -> Nullable<Text>,
        rescheduled_to_id -> Nullable<Text>,
        outcome_at -> Nullable<Timestamp>,
        outcome_by -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    wechat_mini_programs,
    customer_sign_in_codes,
    organizations,
    stores,
    users,
    refresh_tokens,
    api_clients,
    customers,
    audit_log,
    outbox_events,
    idempotency_keys,
    finance_products,
    financing_applications,
    financing_application_events,
    jobs,
    attachments,
    webhook_subscriptions,
    deliveries,
    delivery_attempts,
    notifications,
    notification_counters,
    notification_preferences,
    notification_gateways,
    notification_stream_tickets,
    customer_activities,
    behavior_events,
    device_links,
    consent_records,
    customer_vehicles,
    vehicle_mileage_readings,
    tags,
    customer_tags,
    customer_dynamic_tags,
    customer_lookups,
    customer_contacts,
    customer_lifecycle_changes,
    customer_merges,
    customer_imports,
    vehicles,
    vehicle_costs,
    market_prices,
    customer_need_index,
    inspection_reports,
    inventory_alert_rules,
    inventory_alerts,
    vehicle_reservations,
    vehicle_transfers,
    vehicle_transfer_tracking,
    leads,
    lead_history,
    tasks,
    user_shifts,
    deals,
    deal_stage_changes,
    deal_documents,
    deal_collaborators,
    deal_comments,
    lost_requests,
    test_drives,
    test_drive_slots,
    calendar_feeds,
    task_escalations,
    quotes,
    handovers,
    lead_trigger_firings,
    showroom_visits,
    store_visit_invitations,
);
diesel::joinable!(customer_need_index -> customers (customer_id));
