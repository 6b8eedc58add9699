use super::DealStage::*;
use super::*;

const CASH: Option<PaymentMethod> = Some(PaymentMethod::Cash);
const LOAN: Option<PaymentMethod> = Some(PaymentMethod::Loan);

fn moves(
    from: DealStage,
    to: DealStage,
    payment: Option<PaymentMethod>,
) -> Result<StageMove, StageMoveError> {
    check_transition(from, to, payment, &DealConfig::default())
}

#[test]
fn the_default_config_is_valid() {
    let config = DealConfig::default();
    config.validate().unwrap();
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<DealConfig>(&json).unwrap(), config);
}

#[test]
fn forward_moves_skip_optional_stages_only() {
    assert_eq!(
        moves(Qualified, StoreVisit, CASH),
        Ok(StageMove::Forward { skipped: vec![] })
    );
    assert_eq!(
        moves(Qualified, Quote, CASH),
        Ok(StageMove::Forward {
            skipped: vec![StoreVisit, TestDrive]
        })
    );
    assert_eq!(
        moves(Qualified, Contract, CASH),
        Err(StageMoveError::SkipsRequired { stage: Quote })
    );
    assert_eq!(
        moves(Contract, Won, CASH),
        Err(StageMoveError::SkipsRequired { stage: Delivery })
    );
    assert_eq!(
        moves(Delivery, Won, CASH),
        Ok(StageMove::Forward { skipped: vec![] })
    );
}

#[test]
fn financing_approval_belongs_to_loans_and_leases() {
    assert_eq!(
        moves(Contract, Delivery, CASH),
        Ok(StageMove::Forward { skipped: vec![] })
    );
    assert_eq!(
        moves(Contract, Delivery, None),
        Ok(StageMove::Forward { skipped: vec![] })
    );
    assert_eq!(
        moves(Contract, Delivery, LOAN),
        Err(StageMoveError::SkipsRequired {
            stage: FinancingApproval
        })
    );
    let lease = Some(PaymentMethod::Lease);
    assert_eq!(
        moves(Contract, FinancingApproval, lease),
        Ok(StageMove::Forward { skipped: vec![] })
    );
    assert_eq!(
        moves(Contract, FinancingApproval, CASH),
        Err(StageMoveError::NotApplicable {
            stage: FinancingApproval
        })
    );
}

#[test]
fn back_moves_go_one_applicable_stage() {
    assert_eq!(moves(Contract, Quote, CASH), Ok(StageMove::Back));
    assert_eq!(
        moves(Contract, TestDrive, CASH),
        Err(StageMoveError::TooFarBack { previous: Quote })
    );
    assert_eq!(moves(Delivery, Contract, CASH), Ok(StageMove::Back));
    assert_eq!(
        moves(Delivery, FinancingApproval, LOAN),
        Ok(StageMove::Back)
    );
    assert_eq!(
        moves(Delivery, Contract, LOAN),
        Err(StageMoveError::TooFarBack {
            previous: FinancingApproval
        })
    );
    assert_eq!(moves(StoreVisit, Qualified, None), Ok(StageMove::Back));
}

#[test]
fn lost_from_any_open_stage_and_closed_deals_stay_closed() {
    for &stage in DealStage::ALL.iter().filter(|s| s.is_open()) {
        assert_eq!(moves(stage, Lost, LOAN), Ok(StageMove::Lost), "{stage}");
    }
    assert_eq!(
        moves(Won, Lost, CASH),
        Err(StageMoveError::Closed { stage: Won })
    );
    assert_eq!(
        moves(Lost, Qualified, CASH),
        Err(StageMoveError::Closed { stage: Lost })
    );
    assert_eq!(
        moves(Quote, Quote, CASH),
        Err(StageMoveError::SameStage { stage: Quote })
    );
}

#[test]
fn configured_optional_stages_can_be_skipped() {
    let config = DealConfig {
        optional_stages: BTreeSet::from([StoreVisit, TestDrive, Quote]),
        ..DealConfig::default()
    };
    config.validate().unwrap();
    assert_eq!(
        check_transition(Qualified, Contract, CASH, &config),
        Ok(StageMove::Forward {
            skipped: vec![StoreVisit, TestDrive, Quote]
        })
    );
}

#[test]
fn contract_needs_a_test_drive_agreement_or_a_reasoned_waiver() {
    let config = DealConfig::default();
    let none = Evidence::default();
    assert_eq!(
        check_gate(Contract, &none, &config),
        Err(vec![MissingEvidence {
            attachment: AttachmentKind::TestDriveAgreement,
            waivable: true
        }])
    );
    let agreement = Evidence {
        attachments: BTreeSet::from([AttachmentKind::TestDriveAgreement]),
        ..Evidence::default()
    };
    assert_eq!(check_gate(Contract, &agreement, &config), Ok(()));
    let waiver = |reason: &str| Evidence {
        waivers: BTreeMap::from([(AttachmentKind::TestDriveAgreement, reason.to_owned())]),
        ..Evidence::default()
    };
    assert_eq!(
        check_gate(Contract, &waiver("客户已有同款车"), &config),
        Ok(())
    );
    assert!(
        check_gate(Contract, &waiver("  "), &config).is_err(),
        "a waiver needs a reason"
    );
}

#[test]
fn delivery_needs_its_documents_and_waivers_do_not_replace_them() {
    let config = DealConfig::default();
    let evidence = Evidence {
        attachments: BTreeSet::from([AttachmentKind::SignedContract]),
        waivers: BTreeMap::from([(AttachmentKind::VehicleConditionConfirmation, "later".into())]),
    };
    let err = check_move(Contract, Delivery, CASH, &evidence, &config).unwrap_err();
    assert_eq!(
        err,
        StageMoveError::GateNotMet {
            stage: Delivery,
            missing: vec![MissingEvidence {
                attachment: AttachmentKind::VehicleConditionConfirmation,
                waivable: false
            }]
        }
    );
    assert_eq!(
        err.to_string(),
        "delivery needs: vehicle_condition_confirmation"
    );
    let complete = Evidence {
        attachments: BTreeSet::from([
            AttachmentKind::SignedContract,
            AttachmentKind::VehicleConditionConfirmation,
        ]),
        ..Evidence::default()
    };
    assert!(check_move(Contract, Delivery, CASH, &complete, &config).is_ok());
    // Going back or losing needs no documents.
    assert_eq!(
        check_move(Delivery, Contract, CASH, &Evidence::default(), &config),
        Ok(StageMove::Back)
    );
    assert_eq!(
        check_move(Contract, Lost, CASH, &Evidence::default(), &config),
        Ok(StageMove::Lost)
    );
}

#[test]
fn probabilities_by_stage() {
    let config = DealConfig::default();
    assert_eq!(probability(Qualified, &config), 10);
    assert_eq!(probability(Delivery, &config), 95);
    assert_eq!(probability(Won, &config), 100);
    assert_eq!(probability(Lost, &config), 0);
}

#[test]
fn broken_configs_are_reported() {
    let mut config = DealConfig::default();
    config.optional_stages.insert(Contract);
    config.gates.insert(Lost, vec![]);
    config.gates.insert(
        Won,
        vec![
            GateRequirement {
                attachment: AttachmentKind::SalesInvoice,
                waivable: false,
            },
            GateRequirement {
                attachment: AttachmentKind::SalesInvoice,
                waivable: true,
            },
        ],
    );
    config.probability_percent.remove(&StoreVisit);
    config.probability_percent.insert(Quote, 30);
    config.probability_percent.insert(Won, 100);
    let issues: Vec<(String, IssueCode)> = config
        .validate()
        .unwrap_err()
        .issues
        .into_iter()
        .map(|i| (i.field, i.code))
        .collect();
    assert_eq!(
        issues,
        [
            ("optional_stages.contract".to_owned(), IssueCode::NotAllowed),
            ("gates.won[1].attachment".to_owned(), IssueCode::Duplicate),
            ("gates.lost".to_owned(), IssueCode::NotAllowed),
            (
                "probability_percent.store_visit".to_owned(),
                IssueCode::Required
            ),
            ("probability_percent.quote".to_owned(), IssueCode::NotSorted),
            ("probability_percent.won".to_owned(), IssueCode::NotAllowed),
        ]
    );
}

#[test]
fn errors_serialise_with_a_code() {
    let err = moves(Qualified, Contract, CASH).unwrap_err();
    assert_eq!(
        serde_json::to_value(&err).unwrap(),
        serde_json::json!({"code": "skips_required", "stage": "quote"})
    );
}
