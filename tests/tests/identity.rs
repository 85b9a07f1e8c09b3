//! Identity end to end: bootstrap a centre from the command line, staff and
//! participants register with one-time invites and passkeys, sign in and
//! out, manage passkeys, and recover an account on a new phone.

use chrono::{Duration, Utc};
use friskliv_tests::{PasskeyDevice, TestApp, stories};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

stories!(
    staff_bootstrap_register_login_and_me,
    veileder_invites_participant_who_registers_and_signs_in,
    invite_codes_work_once_and_expire,
    roles_and_centres_decide_who_may_invite,
    missing_bad_expired_and_revoked_tokens_are_401,
    participant_sessions_slide_but_end_180_days_after_sign_in,
    last_passkey_cannot_be_removed,
    recovery_invite_adds_a_passkey_to_the_existing_account,
    ceremonies_cannot_be_replayed_and_foreign_passkeys_are_refused,
);

async fn staff_bootstrap_register_login_and_me(app: TestApp) {
    let centre = app.create_centre("Frisklivssentralen i Oslo", "0301").await;
    let code = app.invite_staff(centre, "centre_admin").await;
    assert_eq!(code.len(), 19, "codes are shown as XXXX-XXXX-XXXX-XXXX");

    let mut laptop = PasskeyDevice::new("Kari's laptop");
    let registered = app.register_ok(&mut laptop, &code, "Kari Nordmann").await;

    // A fresh sign-in with the discoverable passkey, no user name typed.
    let session = app.login_ok(&mut laptop).await;
    assert_eq!(session.account_id, registered.account_id);
    assert_ne!(session.token, registered.token);

    let me = app.get("/v1/me", Some(&session.token)).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["role"], "centre_admin");
    assert_eq!(me.body["display_name"], "Kari Nordmann");
    assert_eq!(me.body["centre_id"], centre.to_string());
    assert_eq!(me.body["centre_name"], "Frisklivssentralen i Oslo");
    let expires: chrono::DateTime<Utc> = me.body["session_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let staff_lifetime = expires - Utc::now();
    assert!(staff_lifetime <= Duration::hours(12) && staff_lifetime > Duration::hours(11));

    let passkeys = app.get("/v1/me/passkeys", Some(&session.token)).await;
    passkeys.assert_status(StatusCode::OK);
    assert_eq!(passkeys.body.as_array().unwrap().len(), 1);
    assert_eq!(passkeys.body[0]["name"], "Kari's laptop");
    assert!(
        passkeys.body[0]["last_used_at"].is_string(),
        "sign-in is recorded"
    );
}

async fn veileder_invites_participant_who_registers_and_signs_in(app: TestApp) {
    let centre = app
        .create_centre("Frisklivssentralen i Bergen", "4601")
        .await;
    let admin = {
        let code = app.invite_staff(centre, "centre_admin").await;
        app.register_ok(&mut PasskeyDevice::new("admin"), &code, "Admin")
            .await
    };
    // The centre admin appoints a veileder through the API…
    let invite = app.invite(&admin.token, centre, "veileder").await;
    invite.assert_status(StatusCode::CREATED);
    let veileder = app
        .register_ok(
            &mut PasskeyDevice::new("veileder"),
            invite.body["code"].as_str().unwrap(),
            "Ola Veileder",
        )
        .await;

    // …who enrols a participant after the first conversation.
    let invite = app.invite(&veileder.token, centre, "participant").await;
    invite.assert_status(StatusCode::CREATED);
    assert_eq!(invite.body["role"], "participant");
    let expires: chrono::DateTime<Utc> =
        invite.body["expires_at"].as_str().unwrap().parse().unwrap();
    let lifetime = expires - Utc::now();
    assert!(lifetime > Duration::days(13) && lifetime <= Duration::days(14));

    let mut phone = PasskeyDevice::new("Pixel 8");
    let participant = app
        .register_ok(&mut phone, invite.body["code"].as_str().unwrap(), "Per")
        .await;
    let session = app.login_ok(&mut phone).await;
    assert_eq!(session.account_id, participant.account_id);

    let me = app.get("/v1/me", Some(&session.token)).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["role"], "participant");
    assert_eq!(me.body["centre_id"], centre.to_string());
    let expires: chrono::DateTime<Utc> = me.body["session_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        expires - Utc::now() > Duration::days(29),
        "participants stay signed in 30 days"
    );
    // Fields the schema requires are there even when empty.
    assert_eq!(me.body["evaluation_areas"], json!([]));

    // The streamed export has every part its declared schema requires.
    let spec = app.get("/v1/openapi.json", None).await;
    let export_schema = &spec.body["components"]["schemas"]["MyDataExport"];
    assert_eq!(
        spec.body["paths"]["/v1/me/export"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/MyDataExport"
    );
    let export = app.get("/v1/me/export", Some(&session.token)).await;
    export.assert_status(StatusCode::OK);
    for field in export_schema["required"].as_array().unwrap() {
        let field = field.as_str().unwrap();
        assert!(export.body.get(field).is_some(), "export without {field}");
    }
    assert_eq!(export.body["format"], "friskliv-export/1");
}

async fn invite_codes_work_once_and_expire(app: TestApp) {
    let centre = app
        .create_centre("Frisklivssentralen i Tromsø", "5501")
        .await;
    let code = app.invite_staff(centre, "veileder").await;
    app.register_ok(&mut PasskeyDevice::new("first"), &code, "First")
        .await;

    // Reuse: the same code (typed in lower case, with spaces) is refused.
    let typed = code.to_lowercase().replace('-', " ");
    let reuse = app
        .register(&mut PasskeyDevice::new("second"), &typed, Some("Second"))
        .await;
    reuse.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(reuse.problem_type(), "urn:friskliv:problem:invite-used");

    // Two ceremonies started with one code: only the first to finish wins.
    let code = app.invite_staff(centre, "evaluator").await;
    let mut a = PasskeyDevice::new("a");
    let mut b = PasskeyDevice::new("b");
    let start_a = app
        .post(
            "/v1/auth/register/start",
            None,
            json!({"invite_code": code, "display_name": "A"}),
        )
        .await;
    let start_b = app
        .post(
            "/v1/auth/register/start",
            None,
            json!({"invite_code": code, "display_name": "B"}),
        )
        .await;
    start_a.assert_status(StatusCode::OK);
    start_b.assert_status(StatusCode::OK);
    let finish_a = app
        .post(
            "/v1/auth/register/finish",
            None,
            json!({"ceremony_id": start_a.body["ceremony_id"], "credential": a.create(&start_a.body["options"])}),
        )
        .await;
    finish_a.assert_status(StatusCode::OK);
    let finish_b = app
        .post(
            "/v1/auth/register/finish",
            None,
            json!({"ceremony_id": start_b.body["ceremony_id"], "credential": b.create(&start_b.body["options"])}),
        )
        .await;
    finish_b.assert_problem(StatusCode::CONFLICT, None);
    assert!(
        app.login(&mut b).await.status == StatusCode::UNAUTHORIZED,
        "B got no account"
    );

    // Expiry: an invite past its time is refused, naming the field.
    let code = app.invite_staff(centre, "veileder").await;
    let db = app.db().await;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE invites SET expires_at = $1 WHERE used_at IS NULL",
        [(Utc::now() - Duration::minutes(1)).into()],
    ))
    .await
    .unwrap();
    let expired = app
        .register(&mut PasskeyDevice::new("late"), &code, Some("Late"))
        .await;
    expired.assert_problem(StatusCode::GONE, Some(("invite_code", "expired")));

    // Unknown and malformed codes.
    app.register(
        &mut PasskeyDevice::new("x"),
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        Some("X"),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, Some(("invite_code", "unknown")));
    app.register(&mut PasskeyDevice::new("x"), "not-a-code", Some("X"))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("invite_code", "format")),
        );
    // A new account needs a name.
    let code = app.invite_staff(centre, "veileder").await;
    app.register(&mut PasskeyDevice::new("x"), &code, None)
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("display_name", "required")),
        );
    app.register(&mut PasskeyDevice::new("x"), &code, Some(&"n".repeat(81)))
        .await
        .assert_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("display_name", "length")),
        );
    // …and nothing was consumed by the refusals: the code still works.
    app.register_ok(&mut PasskeyDevice::new("x"), &code, "Named")
        .await;
}

async fn roles_and_centres_decide_who_may_invite(app: TestApp) {
    let oslo = app.create_centre("Oslo", "0301").await;
    let bergen = app.create_centre("Bergen", "4601").await;
    let admin_code = app.invite_staff(oslo, "centre_admin").await;
    let admin = app
        .register_ok(&mut PasskeyDevice::new("a"), &admin_code, "Admin")
        .await;
    let veileder_code = app.invite_staff(oslo, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &veileder_code, "V")
        .await;
    let evaluator_code = app.invite_staff(oslo, "evaluator").await;
    let evaluator = app
        .register_ok(&mut PasskeyDevice::new("e"), &evaluator_code, "E")
        .await;
    let participant_invite = app.invite(&veileder.token, oslo, "participant").await;
    let participant = app
        .register_ok(
            &mut PasskeyDevice::new("p"),
            participant_invite.body["code"].as_str().unwrap(),
            "P",
        )
        .await;

    // A veileder may enrol participants but not appoint staff.
    for role in ["veileder", "centre_admin", "evaluator"] {
        app.invite(&veileder.token, oslo, role)
            .await
            .assert_problem(StatusCode::FORBIDDEN, None);
    }
    // Evaluators and participants may not invite anyone.
    for who in [&evaluator, &participant] {
        app.invite(&who.token, oslo, "participant")
            .await
            .assert_problem(StatusCode::FORBIDDEN, None);
    }
    // Nobody may invite at another centre.
    for who in [&admin, &veileder] {
        app.invite(&who.token, bergen, "participant")
            .await
            .assert_problem(StatusCode::FORBIDDEN, None);
    }
    // The admin may appoint any staff role; an unknown role names the field.
    app.invite(&admin.token, oslo, "evaluator")
        .await
        .assert_status(StatusCode::CREATED);
    app.invite(&admin.token, oslo, "superuser")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, Some(("role", "one_of")));
    // A wrongly typed body names the field and rule.
    app.post(
        &format!("/v1/centres/{oslo}/invites"),
        Some(&admin.token),
        json!({"role": 7}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("role", "type")));
    app.post(
        &format!("/v1/centres/{oslo}/invites"),
        Some(&admin.token),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, Some(("role", "required")));
    // No token at all is 401, not 403.
    app.post(
        &format!("/v1/centres/{oslo}/invites"),
        None,
        json!({"role": "participant"}),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, None);
}

async fn missing_bad_expired_and_revoked_tokens_are_401(app: TestApp) {
    let centre = app.create_centre("Stavanger", "1103").await;
    let code = app.invite_staff(centre, "veileder").await;
    let mut device = PasskeyDevice::new("d");
    let first = app.register_ok(&mut device, &code, "V").await;
    let second = app.login_ok(&mut device).await;

    let missing = app.get("/v1/me", None).await;
    missing.assert_problem(StatusCode::UNAUTHORIZED, None);
    assert!(missing.headers.get("www-authenticate").is_some());
    app.get("/v1/me", Some("not-a-real-token"))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);

    // Logout revokes exactly the session it was called with.
    app.post("/v1/auth/logout", Some(&first.token), json!({}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get("/v1/me", Some(&first.token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    app.post("/v1/auth/logout", Some(&first.token), json!({}))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    app.get("/v1/me", Some(&second.token))
        .await
        .assert_status(StatusCode::OK);

    // An expired session is refused.
    let db = app.db().await;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE sessions SET expires_at = $1",
        [(Utc::now() - Duration::seconds(1)).into()],
    ))
    .await
    .unwrap();
    app.get("/v1/me", Some(&second.token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
}

async fn participant_sessions_slide_but_end_180_days_after_sign_in(app: TestApp) {
    let centre = app.create_centre("Bodø", "1804").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &code, "V")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let mut phone = PasskeyDevice::new("phone");
    let session = app
        .register_ok(&mut phone, invite.body["code"].as_str().unwrap(), "P")
        .await;
    let db = app.db().await;
    let arrange = |created_days_ago: i64, expires_in_hours: i64| {
        let db = db.clone();
        async move {
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "UPDATE sessions SET created_at = $1, expires_at = $2 WHERE revoked_at IS NULL",
                [
                    (Utc::now() - Duration::days(created_days_ago)).into(),
                    (Utc::now() + Duration::hours(expires_in_hours)).into(),
                ],
            ))
            .await
            .unwrap();
        }
    };
    let expiry = |reply: &friskliv_tests::Reply| -> chrono::DateTime<Utc> {
        reply.body["session_expires_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };

    // 100 days in and used daily: it slides to a full 30 days from now.
    arrange(100, 24).await;
    let me = app.get("/v1/me", Some(&session.token)).await;
    me.assert_status(StatusCode::OK);
    assert!(expiry(&me) - Utc::now() > Duration::days(29));

    // 175 days in: the slide stops at 180 days after sign-in.
    arrange(175, 24).await;
    let me = app.get("/v1/me", Some(&session.token)).await;
    me.assert_status(StatusCode::OK);
    let left = expiry(&me) - Utc::now();
    assert!(
        left <= Duration::days(5) && left > Duration::days(4),
        "capped at the maximum, {left} left"
    );

    // Past 180 days it is over, whatever the stored expiry says.
    arrange(181, 24 * 20).await;
    app.get("/v1/me", Some(&session.token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
    // Signing in again starts a new session.
    let fresh = app.login_ok(&mut phone).await;
    app.get("/v1/me", Some(&fresh.token))
        .await
        .assert_status(StatusCode::OK);
}

async fn last_passkey_cannot_be_removed(app: TestApp) {
    let centre = app.create_centre("Trondheim", "5001").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &code, "V")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let mut phone = PasskeyDevice::new("phone");
    let session = app
        .register_ok(&mut phone, invite.body["code"].as_str().unwrap(), "P")
        .await;
    let passkeys = app.get("/v1/me/passkeys", Some(&session.token)).await;
    let only = passkeys.body[0]["id"].as_str().unwrap().to_owned();

    let refused = app
        .delete(&format!("/v1/me/passkeys/{only}"), Some(&session.token))
        .await;
    refused.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(refused.problem_type(), "urn:friskliv:problem:last-passkey");
    app.login_ok(&mut phone).await;

    // Someone else's passkey is not found, not removable.
    let theirs = app.get("/v1/me/passkeys", Some(&veileder.token)).await;
    let theirs = theirs.body[0]["id"].as_str().unwrap();
    app.delete(&format!("/v1/me/passkeys/{theirs}"), Some(&session.token))
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    app.delete("/v1/me/passkeys/not-a-uuid", Some(&session.token))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
}

async fn recovery_invite_adds_a_passkey_to_the_existing_account(app: TestApp) {
    let centre = app.create_centre("Kristiansand", "4204").await;
    let code = app.invite_staff(centre, "veileder").await;
    let veileder = app
        .register_ok(&mut PasskeyDevice::new("v"), &code, "V")
        .await;
    let admin_code = app.invite_staff(centre, "centre_admin").await;
    let admin = app
        .register_ok(&mut PasskeyDevice::new("a"), &admin_code, "Admin")
        .await;
    let invite = app.invite(&veileder.token, centre, "participant").await;
    let mut old_phone = PasskeyDevice::new("old phone");
    let participant = app
        .register_ok(
            &mut old_phone,
            invite.body["code"].as_str().unwrap(),
            "Astrid",
        )
        .await;
    let old_session = app.login_ok(&mut old_phone).await;

    // A veileder cannot issue a recovery invite: it hands over an account.
    app.post(
        &format!("/v1/centres/{centre}/invites"),
        Some(&veileder.token),
        json!({"role": "participant", "recovery_for_account_id": participant.account_id}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);

    // The participant has a new phone; the centre admin issues a recovery invite.
    let recovery = app
        .post(
            &format!("/v1/centres/{centre}/invites"),
            Some(&admin.token),
            json!({"role": "participant", "recovery_for_account_id": participant.account_id}),
        )
        .await;
    recovery.assert_status(StatusCode::CREATED);
    assert_eq!(
        recovery.body["recovery_for_account_id"],
        participant.account_id
    );

    let mut new_phone = PasskeyDevice::new("new phone");
    let recovered = app
        .register(
            &mut new_phone,
            recovery.body["code"].as_str().unwrap(),
            None,
        )
        .await;
    recovered.assert_status(StatusCode::OK);
    assert_eq!(
        recovered.body["account"]["id"], participant.account_id,
        "same account"
    );
    assert_eq!(recovered.body["account"]["display_name"], "Astrid");
    let recovered_token = recovered.body["token"].as_str().unwrap().to_owned();

    // Every session from before is gone: whoever held the old phone is out.
    for token in [&participant.token, &old_session.token] {
        app.get("/v1/me", Some(token))
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, None);
    }
    app.get("/v1/me", Some(&recovered_token))
        .await
        .assert_status(StatusCode::OK);

    let session = app.login_ok(&mut new_phone).await;
    assert_eq!(session.account_id, participant.account_id);
    let passkeys = app.get("/v1/me/passkeys", Some(&session.token)).await;
    let names: Vec<_> = passkeys
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("old phone"), json!("new phone")]);
    let added_at = passkeys.body[1]["created_at"].as_str().unwrap();
    assert!(added_at >= passkeys.body[0]["created_at"].as_str().unwrap());

    // The participant sees who let the new passkey in, and when.
    let log = app.get("/v1/me/access-log", Some(&session.token)).await;
    log.assert_status(StatusCode::OK);
    let recovery_rows: Vec<&Value> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "recovery_passkey_added")
        .collect();
    assert_eq!(recovery_rows.len(), 1, "{}", log.text);
    assert_eq!(recovery_rows[0]["actor_name"], "Admin");
    assert_eq!(recovery_rows[0]["actor_role"], "centre_admin");
    assert_eq!(
        recovery_rows[0]["resource"],
        format!("passkeys/{}", passkeys.body[1]["id"].as_str().unwrap())
    );
    // The security audit keeps the issue and the redemption.
    let audit = friskliv_store::db::identity::audit_of(
        &app.db().await,
        participant.account_id.parse().unwrap(),
    )
    .await
    .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, vec!["recovery_issued", "recovery_redeemed"]);
    let detail: Value = serde_json::from_str(&audit[1].detail).unwrap();
    assert_eq!(detail["sessions_revoked"], 2);

    // With two passkeys the lost one can be removed; then it no longer signs in.
    let lost = passkeys.body[0]["id"].as_str().unwrap();
    app.delete(&format!("/v1/me/passkeys/{lost}"), Some(&session.token))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.login(&mut old_phone)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);

    // Recovery for another centre's account, or with the wrong role, is refused.
    let other = app.create_centre("Other", "0301").await;
    let other_code = app.invite_staff(other, "centre_admin").await;
    let other_admin = app
        .register_ok(&mut PasskeyDevice::new("o"), &other_code, "O")
        .await;
    app.post(
        &format!("/v1/centres/{other}/invites"),
        Some(&other_admin.token),
        json!({"role": "participant", "recovery_for_account_id": participant.account_id}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, None);
    app.post(
        &format!("/v1/centres/{centre}/invites"),
        Some(&admin.token),
        json!({"role": "veileder", "recovery_for_account_id": participant.account_id}),
    )
    .await
    .assert_problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(("role", "matches_account")),
    );
    // A veileder cannot take over a colleague's account by recovery.
    let colleague_code = app.invite_staff(centre, "veileder").await;
    let colleague = app
        .register_ok(&mut PasskeyDevice::new("c"), &colleague_code, "C")
        .await;
    app.post(
        &format!("/v1/centres/{centre}/invites"),
        Some(&veileder.token),
        json!({"role": "veileder", "recovery_for_account_id": colleague.account_id}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, None);
}

async fn ceremonies_cannot_be_replayed_and_foreign_passkeys_are_refused(app: TestApp) {
    let centre = app.create_centre("Bodø", "1804").await;
    let code = app.invite_staff(centre, "veileder").await;
    let mut device = PasskeyDevice::new("d");
    app.register_ok(&mut device, &code, "V").await;

    // A sign-in answer can be used once.
    let start = app.post("/v1/auth/login/start", None, json!({})).await;
    let credential = device.get(&start.body["options"]);
    let body = json!({"ceremony_id": start.body["ceremony_id"], "credential": credential});
    app.post("/v1/auth/login/finish", None, body.clone())
        .await
        .assert_status(StatusCode::OK);
    app.post("/v1/auth/login/finish", None, body)
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);

    // A passkey the server never registered is not accepted.
    let stranger_code = app.invite_staff(centre, "veileder").await;
    let mut stranger = PasskeyDevice::new("s");
    let start = app
        .post(
            "/v1/auth/register/start",
            None,
            json!({"invite_code": stranger_code, "display_name": "S"}),
        )
        .await;
    let _never_sent = stranger.create(&start.body["options"]);
    app.login(&mut stranger)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);

    // A credential that is not WebAuthn JSON names the field.
    let start = app.post("/v1/auth/login/start", None, json!({})).await;
    app.post(
        "/v1/auth/login/finish",
        None,
        json!({"ceremony_id": start.body["ceremony_id"], "credential": {"id": 1}}),
    )
    .await
    .assert_problem(
        StatusCode::BAD_REQUEST,
        Some(("credential", "webauthn_json")),
    );
}
