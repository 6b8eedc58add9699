//! Deals (opportunities): the stages from qualified to won, which moves are legal, the evidence
//! a stage needs before a deal enters it, and the win probability of each stage.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::customer::PaymentMethod;
use crate::leads::{Invalid, IssueCode, Issues};

crate::text_enum! {
    /// In pipeline order; `lost` (战败) can be reached from any open stage.
    pub enum DealStage {
        Qualified = "qualified",
        StoreVisit = "store_visit",
        TestDrive = "test_drive",
        Quote = "quote",
        Contract = "contract",
        /// Only for loans and leases.
        FinancingApproval = "financing_approval",
        Delivery = "delivery",
        Won = "won",
        Lost = "lost",
    }
}

/// Every stage but `lost`, in order.
const PIPELINE: [DealStage; 8] = [
    DealStage::Qualified,
    DealStage::StoreVisit,
    DealStage::TestDrive,
    DealStage::Quote,
    DealStage::Contract,
    DealStage::FinancingApproval,
    DealStage::Delivery,
    DealStage::Won,
];

/// Stages an organisation may make optional; the others every deal passes through.
pub const SKIPPABLE_STAGES: [DealStage; 3] = [
    DealStage::StoreVisit,
    DealStage::TestDrive,
    DealStage::Quote,
];

impl DealStage {
    pub fn is_open(self) -> bool {
        !matches!(self, DealStage::Won | DealStage::Lost)
    }

    fn position(self) -> Option<usize> {
        PIPELINE.iter().position(|&s| s == self)
    }

    /// Financing approval belongs to loan and lease deals only.
    fn applies_to(self, payment: Option<PaymentMethod>) -> bool {
        self != DealStage::FinancingApproval
            || matches!(payment, Some(PaymentMethod::Loan | PaymentMethod::Lease))
    }
}

crate::text_enum! {
    /// Documents a deal collects as attachments.
    pub enum AttachmentKind {
        /// 试驾协议.
        TestDriveAgreement = "test_drive_agreement",
        SignedContract = "signed_contract",
        /// 车况确认单.
        VehicleConditionConfirmation = "vehicle_condition_confirmation",
        FinancingApprovalLetter = "financing_approval_letter",
        /// 机动车销售统一发票.
        SalesInvoice = "sales_invoice",
        InsurancePolicy = "insurance_policy",
        /// 交车确认单.
        DeliveryConfirmation = "delivery_confirmation",
    }
}

/// A document a stage needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRequirement {
    pub attachment: AttachmentKind,
    /// A waiver with a reason may stand in for the document.
    #[serde(default)]
    pub waivable: bool,
}

/// An organisation's pipeline settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DealConfig {
    /// Stages a deal may skip when moving forward; a subset of [`SKIPPABLE_STAGES`].
    pub optional_stages: BTreeSet<DealStage>,
    /// What a deal needs before it enters a stage.
    pub gates: BTreeMap<DealStage, Vec<GateRequirement>>,
    /// Win probability of each open stage, in percent, never falling along the pipeline; won
    /// is 100 and lost 0.
    pub probability_percent: BTreeMap<DealStage, u8>,
}

impl Default for DealConfig {
    fn default() -> Self {
        use DealStage::*;
        let need = |attachment, waivable| GateRequirement {
            attachment,
            waivable,
        };
        DealConfig {
            optional_stages: BTreeSet::from([StoreVisit, TestDrive]),
            gates: BTreeMap::from([
                (
                    Contract,
                    vec![need(AttachmentKind::TestDriveAgreement, true)],
                ),
                (
                    Delivery,
                    vec![
                        need(AttachmentKind::SignedContract, false),
                        need(AttachmentKind::VehicleConditionConfirmation, false),
                    ],
                ),
            ]),
            probability_percent: BTreeMap::from([
                (Qualified, 10),
                (StoreVisit, 20),
                (TestDrive, 35),
                (Quote, 50),
                (Contract, 75),
                (FinancingApproval, 85),
                (Delivery, 95),
            ]),
        }
    }
}

impl DealConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for stage in &self.optional_stages {
            if !SKIPPABLE_STAGES.contains(stage) {
                issues.push(
                    format!("optional_stages.{stage}"),
                    IssueCode::NotAllowed,
                    "only store_visit, test_drive and quote can be optional",
                );
            }
        }
        for (stage, requirements) in &self.gates {
            if matches!(stage, DealStage::Qualified | DealStage::Lost) {
                issues.push(
                    format!("gates.{stage}"),
                    IssueCode::NotAllowed,
                    "a deal starts qualified and is lost through a lost request; neither has a gate",
                );
            }
            for (i, req) in requirements.iter().enumerate() {
                if requirements[..i]
                    .iter()
                    .any(|r| r.attachment == req.attachment)
                {
                    issues.push(
                        format!("gates.{stage}[{i}].attachment"),
                        IssueCode::Duplicate,
                        "listed twice",
                    );
                }
            }
        }
        let mut previous = 0;
        for stage in PIPELINE.iter().filter(|s| s.is_open()) {
            let field = format!("probability_percent.{stage}");
            match self.probability_percent.get(stage) {
                None => issues.push(field, IssueCode::Required, "every open stage needs one"),
                Some(&p) if p > 100 => issues.range(&field, p, 0, 100),
                Some(&p) if p < previous => issues.push(
                    field,
                    IssueCode::NotSorted,
                    "must not be below the previous stage's",
                ),
                Some(&p) => previous = p,
            }
        }
        for stage in [DealStage::Won, DealStage::Lost] {
            if self.probability_percent.contains_key(&stage) {
                issues.push(
                    format!("probability_percent.{stage}"),
                    IssueCode::NotAllowed,
                    "won is always 100 and lost 0",
                );
            }
        }
        issues.finish()
    }

    fn is_required(&self, stage: DealStage, payment: Option<PaymentMethod>) -> bool {
        stage.applies_to(payment) && !self.optional_stages.contains(&stage)
    }
}

/// The win probability of a stage, in percent.
pub fn probability(stage: DealStage, config: &DealConfig) -> u8 {
    match stage {
        DealStage::Won => 100,
        DealStage::Lost => 0,
        open => config.probability_percent.get(&open).copied().unwrap_or(0),
    }
}

/// A legal move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageMove {
    /// Later in the pipeline, passing over the optional stages listed.
    Forward { skipped: Vec<DealStage> },
    /// One stage back, to correct a mistake or when a customer reconsiders.
    Back,
    /// Marked lost, once its [`crate::leads::LostRequest`] (with its [`crate::leads::LostReason`])
    /// is approved.
    Lost,
}

/// A document a gate still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingEvidence {
    pub attachment: AttachmentKind,
    /// Whether a waiver with a reason would do instead.
    pub waivable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StageMoveError {
    #[error("the deal is {stage} and can no longer move")]
    Closed { stage: DealStage },
    #[error("the deal is already at {stage}")]
    SameStage { stage: DealStage },
    #[error("{stage} is only for deals paid by loan or lease")]
    NotApplicable { stage: DealStage },
    #[error("the deal cannot skip {stage}")]
    SkipsRequired { stage: DealStage },
    #[error("a deal goes back one stage at a time, to {previous}")]
    TooFarBack { previous: DealStage },
    #[error("{stage} needs: {}", names(.missing))]
    GateNotMet {
        stage: DealStage,
        missing: Vec<MissingEvidence>,
    },
}

fn names(missing: &[MissingEvidence]) -> String {
    missing
        .iter()
        .map(|m| m.attachment.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which stage moves are legal, documents aside: forward over optional stages only (financing
/// approval is optional unless the deal is paid by loan or lease, and only those may enter it);
/// back to the previous stage that applies; lost from any open stage. Won and lost are final.
pub fn check_transition(
    from: DealStage,
    to: DealStage,
    payment: Option<PaymentMethod>,
    config: &DealConfig,
) -> Result<StageMove, StageMoveError> {
    if !from.is_open() {
        return Err(StageMoveError::Closed { stage: from });
    }
    if from == to {
        return Err(StageMoveError::SameStage { stage: to });
    }
    if to == DealStage::Lost {
        return Ok(StageMove::Lost);
    }
    if !to.applies_to(payment) {
        return Err(StageMoveError::NotApplicable { stage: to });
    }
    let (Some(f), Some(t)) = (from.position(), to.position()) else {
        unreachable!("every stage but lost is in the pipeline");
    };
    if t > f {
        let passed = &PIPELINE[f + 1..t];
        if let Some(&stage) = passed.iter().find(|&&s| config.is_required(s, payment)) {
            return Err(StageMoveError::SkipsRequired { stage });
        }
        let skipped = passed
            .iter()
            .copied()
            .filter(|s| s.applies_to(payment))
            .collect();
        return Ok(StageMove::Forward { skipped });
    }
    let previous = PIPELINE[..f]
        .iter()
        .rev()
        .copied()
        .find(|s| s.applies_to(payment))
        .expect("qualified applies to every deal and comes first");
    if to == previous {
        Ok(StageMove::Back)
    } else {
        Err(StageMoveError::TooFarBack { previous })
    }
}

/// The documents a deal has, and the waivers that stand in for missing ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Evidence {
    pub attachments: BTreeSet<AttachmentKind>,
    /// The reason each document is waived (no test drive: "customer owns the same model").
    #[serde(default)]
    pub waivers: BTreeMap<AttachmentKind, String>,
}

/// Whether a deal may enter `target`: every document its gate names is attached, or waived
/// with a non-blank reason where the gate allows a waiver.
pub fn check_gate(
    target: DealStage,
    evidence: &Evidence,
    config: &DealConfig,
) -> Result<(), Vec<MissingEvidence>> {
    let missing: Vec<MissingEvidence> = config
        .gates
        .get(&target)
        .into_iter()
        .flatten()
        .filter(|req| {
            let attached = evidence.attachments.contains(&req.attachment);
            let waived = req.waivable
                && evidence
                    .waivers
                    .get(&req.attachment)
                    .is_some_and(|reason| !reason.trim().is_empty());
            !attached && !waived
        })
        .map(|req| MissingEvidence {
            attachment: req.attachment,
            waivable: req.waivable,
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// A stage move with its gate: [`check_transition`], then, moving forward, [`check_gate`] of
/// the target. Gates guard entry only, so going back or to lost needs no documents.
pub fn check_move(
    from: DealStage,
    to: DealStage,
    payment: Option<PaymentMethod>,
    evidence: &Evidence,
    config: &DealConfig,
) -> Result<StageMove, StageMoveError> {
    let stage_move = check_transition(from, to, payment, config)?;
    if let StageMove::Forward { .. } = stage_move {
        check_gate(to, evidence, config)
            .map_err(|missing| StageMoveError::GateNotMet { stage: to, missing })?;
    }
    Ok(stage_move)
}

#[cfg(test)]
mod tests;
