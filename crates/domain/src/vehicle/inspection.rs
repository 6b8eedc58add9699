//! Inspection reports (车况检测): the standard checklist, the checks a submitted report must
//! pass, and the summary a buyer reads ("无重大事故、无泡水、无火烧、里程真实").

use std::collections::HashSet;

crate::text_enum! {
    /// A section of the checklist.
    pub enum Section {
        /// 骨架: the structural frame (pillars, rails, firewall).
        Frame = "frame",
        /// 外观: panels and paint.
        Exterior = "exterior",
        /// 内饰: the cabin.
        Interior = "interior",
        /// 发动机舱: engine bay (or the motor and battery bay of an electric car).
        EngineBay = "engine_bay",
        /// 电气: lights, electronics, charging.
        Electrical = "electrical",
        /// 底盘: suspension, brakes, steering, underbody.
        Chassis = "chassis",
        /// 路试: the road test.
        RoadTest = "road_test",
    }
}

impl Section {
    /// The section's Chinese name.
    pub const fn label(self) -> &'static str {
        match self {
            Section::Frame => "骨架",
            Section::Exterior => "外观",
            Section::Interior => "内饰",
            Section::EngineBay => "发动机舱",
            Section::Electrical => "电气",
            Section::Chassis => "底盘",
            Section::RoadTest => "路试",
        }
    }
}

crate::text_enum! {
    /// What the inspector found on one item.
    pub enum ItemResult {
        Ok = "ok",
        /// A small defect (a scratch, worn trim): priced in, not a reason to refuse the car.
        Minor = "minor",
        /// A serious defect (structural repair, a failing part).
        Major = "major",
        NotChecked = "not_checked",
    }
}

crate::text_enum! {
    /// Whether the odometer reading is believed.
    pub enum OdometerCheck {
        /// 里程真实: the reading agrees with the maintenance history and wear.
        Ok = "ok",
        /// 疑似调表: the reading disagrees with the history or the wear.
        Suspected = "suspected",
        NotChecked = "not_checked",
    }
}

crate::text_enum! {
    /// The overall grade the inspector gives the car.
    pub enum Grade {
        /// Like new.
        A = "A",
        /// Good, small defects only.
        B = "B",
        /// Fair, some repairs.
        C = "C",
        /// Poor.
        D = "D",
    }
}

/// One item of the standard checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistItem {
    pub section: Section,
    /// Stable code, `<section>.<nn>` (e.g. `frame.01`).
    pub code: &'static str,
    /// Chinese name (e.g. 左A柱).
    pub name: &'static str,
}

macro_rules! checklist {
    ($($section:ident: [$($code:literal => $name:literal),+ $(,)?];)+) => {
        const CHECKLIST: &[ChecklistItem] = &[
            $($(ChecklistItem { section: Section::$section, code: $code, name: $name },)+)+
        ];
    };
}

checklist! {
    Frame: [
        "frame.01" => "左A柱", "frame.02" => "右A柱", "frame.03" => "左B柱", "frame.04" => "右B柱",
        "frame.05" => "左C柱", "frame.06" => "右C柱", "frame.07" => "左前纵梁", "frame.08" => "右前纵梁",
        "frame.09" => "左后纵梁", "frame.10" => "右后纵梁", "frame.11" => "防火墙", "frame.12" => "前横梁",
        "frame.13" => "后围板", "frame.14" => "左前减震器座", "frame.15" => "右前减震器座",
        "frame.16" => "左侧底大边", "frame.17" => "右侧底大边", "frame.18" => "车顶边梁",
        "frame.19" => "备胎槽", "frame.20" => "水箱框架",
    ];
    Exterior: [
        "exterior.01" => "前保险杠", "exterior.02" => "后保险杠", "exterior.03" => "发动机盖",
        "exterior.04" => "行李箱盖", "exterior.05" => "左前翼子板", "exterior.06" => "右前翼子板",
        "exterior.07" => "左后翼子板", "exterior.08" => "右后翼子板", "exterior.09" => "左前车门",
        "exterior.10" => "右前车门", "exterior.11" => "左后车门", "exterior.12" => "右后车门",
        "exterior.13" => "车顶", "exterior.14" => "前挡风玻璃", "exterior.15" => "后挡风玻璃",
        "exterior.16" => "车窗玻璃", "exterior.17" => "左后视镜", "exterior.18" => "右后视镜",
        "exterior.19" => "轮毂", "exterior.20" => "轮胎",
    ];
    Interior: [
        "interior.01" => "主驾驶座椅", "interior.02" => "副驾驶座椅", "interior.03" => "后排座椅",
        "interior.04" => "方向盘", "interior.05" => "仪表台", "interior.06" => "中控台",
        "interior.07" => "车顶内衬", "interior.08" => "地毯", "interior.09" => "门内饰板",
        "interior.10" => "安全带", "interior.11" => "遮阳板", "interior.12" => "车内异味",
        "interior.13" => "座椅滑轨锈蚀", "interior.14" => "行李箱内衬", "interior.15" => "备胎及工具",
    ];
    EngineBay: [
        "engine_bay.01" => "发动机/电机外观", "engine_bay.02" => "机油", "engine_bay.03" => "冷却液",
        "engine_bay.04" => "制动液", "engine_bay.05" => "蓄电池", "engine_bay.06" => "皮带",
        "engine_bay.07" => "进气系统", "engine_bay.08" => "点火系统", "engine_bay.09" => "缸垫渗漏",
        "engine_bay.10" => "变速箱油", "engine_bay.11" => "动力电池包", "engine_bay.12" => "高压线束",
        "engine_bay.13" => "散热器", "engine_bay.14" => "发动机舱线束", "engine_bay.15" => "发动机舱焊点",
    ];
    Electrical: [
        "electrical.01" => "大灯", "electrical.02" => "尾灯", "electrical.03" => "转向灯",
        "electrical.04" => "雾灯", "electrical.05" => "电动车窗", "electrical.06" => "中控锁",
        "electrical.07" => "电动后视镜", "electrical.08" => "空调制冷", "electrical.09" => "空调制热",
        "electrical.10" => "音响", "electrical.11" => "中控屏", "electrical.12" => "倒车影像",
        "electrical.13" => "雷达", "electrical.14" => "仪表故障灯", "electrical.15" => "安全气囊",
        "electrical.16" => "天窗", "electrical.17" => "雨刮", "electrical.18" => "喇叭",
        "electrical.19" => "充电口", "electrical.20" => "钥匙",
    ];
    Chassis: [
        "chassis.01" => "前悬挂", "chassis.02" => "后悬挂", "chassis.03" => "减震器",
        "chassis.04" => "转向机", "chassis.05" => "制动盘", "chassis.06" => "制动片",
        "chassis.07" => "排气管", "chassis.08" => "底盘护板", "chassis.09" => "油箱",
        "chassis.10" => "传动轴", "chassis.11" => "底盘锈蚀", "chassis.12" => "底盘托底痕迹",
    ];
    RoadTest: [
        "road_test.01" => "冷启动", "road_test.02" => "怠速", "road_test.03" => "加速",
        "road_test.04" => "换挡平顺性", "road_test.05" => "制动效果", "road_test.06" => "跑偏",
        "road_test.07" => "方向盘抖动", "road_test.08" => "异响", "road_test.09" => "驻车制动",
        "road_test.10" => "巡航/驾驶辅助",
    ];
}

/// The standard checklist, section by section.
pub fn checklist() -> &'static [ChecklistItem] {
    CHECKLIST
}

/// The checklist item with this code.
pub fn checklist_item(code: &str) -> Option<&'static ChecklistItem> {
    CHECKLIST.iter().find(|i| i.code == code)
}

/// One item as the inspector submitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedItem {
    pub section: Section,
    pub code: String,
    pub result: ItemResult,
}

/// Why a submitted item is refused, by its index in the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    pub index: usize,
    /// `unknown_item`, `wrong_section` or `duplicate_item`.
    pub code: &'static str,
    pub message: String,
}

/// Checks submitted items against the standard checklist: every code is in it, under its
/// own section, and at most once. Items left out count as not checked.
pub fn validate_items(items: &[CheckedItem]) -> Result<(), Vec<ItemProblem>> {
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match checklist_item(&item.code) {
            None => problems.push(ItemProblem {
                index,
                code: "unknown_item",
                message: format!("{} is not an item of the standard checklist", item.code),
            }),
            Some(known) if known.section != item.section => problems.push(ItemProblem {
                index,
                code: "wrong_section",
                message: format!(
                    "{} ({}) belongs to section {}",
                    item.code,
                    known.name,
                    known.section.as_str()
                ),
            }),
            Some(_) if !seen.insert(item.code.as_str()) => problems.push(ItemProblem {
                index,
                code: "duplicate_item",
                message: format!("{} is listed twice", item.code),
            }),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The flags of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectionFlags {
    pub accident: bool,
    pub flood: bool,
    pub fire: bool,
    pub odometer: OdometerCheck,
}

/// Most problem items the summary names; the rest are counted.
pub const SUMMARY_NAMED_ITEMS: usize = 3;

/// The summary a buyer reads, in Chinese: the four verdicts (事故, 泡水, 火烧, 里程), then
/// the serious defects by name (a structural one makes the car an accident car even when
/// the flag was not set) and the count of small ones.
pub fn summary(flags: &InspectionFlags, items: &[CheckedItem]) -> String {
    let majors: Vec<&ChecklistItem> = items
        .iter()
        .filter(|i| i.result == ItemResult::Major)
        .filter_map(|i| checklist_item(&i.code))
        .collect();
    let minors = items
        .iter()
        .filter(|i| i.result == ItemResult::Minor)
        .count();
    let frame_damage = majors.iter().any(|i| i.section == Section::Frame);
    let mut parts: Vec<String> = vec![
        if flags.accident {
            "有重大事故".into()
        } else if frame_damage {
            "骨架有损伤".into()
        } else {
            "无重大事故".into()
        },
        if flags.flood {
            "泡水车"
        } else {
            "无泡水"
        }
        .into(),
        if flags.fire { "火烧车" } else { "无火烧" }.into(),
        match flags.odometer {
            OdometerCheck::Ok => "里程真实",
            OdometerCheck::Suspected => "疑似调表",
            OdometerCheck::NotChecked => "里程未核实",
        }
        .into(),
    ];
    if !majors.is_empty() {
        let named: Vec<String> = majors
            .iter()
            .take(SUMMARY_NAMED_ITEMS)
            .map(|i| format!("{}{}", i.section.label(), i.name))
            .collect();
        let more = majors.len().saturating_sub(SUMMARY_NAMED_ITEMS);
        let mut text = format!("重大问题：{}", named.join("、"));
        if more > 0 {
            text.push_str(&format!("等{}项", majors.len()));
        }
        parts.push(text);
    }
    if minors > 0 {
        parts.push(format!("轻微问题{minors}项"));
    }
    parts.join("、")
}

/// Whether a report with these flags and items finds nothing serious: no accident, flood
/// or fire, a believed odometer and no major defect.
pub fn is_clean(flags: &InspectionFlags, items: &[CheckedItem]) -> bool {
    !flags.accident
        && !flags.flood
        && !flags.fire
        && flags.odometer == OdometerCheck::Ok
        && items.iter().all(|i| i.result != ItemResult::Major)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, result: ItemResult) -> CheckedItem {
        let known = checklist_item(code).expect("a checklist code");
        CheckedItem {
            section: known.section,
            code: code.into(),
            result,
        }
    }

    const CLEAN: InspectionFlags = InspectionFlags {
        accident: false,
        flood: false,
        fire: false,
        odometer: OdometerCheck::Ok,
    };

    #[test]
    fn the_checklist_has_over_a_hundred_unique_items_in_every_section() {
        assert!(checklist().len() >= 100, "{}", checklist().len());
        let codes: HashSet<_> = checklist().iter().map(|i| i.code).collect();
        assert_eq!(codes.len(), checklist().len());
        for section in Section::ALL {
            let mine: Vec<_> = checklist()
                .iter()
                .filter(|i| i.section == *section)
                .collect();
            assert!(!mine.is_empty(), "{section}");
            for i in mine {
                assert!(
                    i.code.starts_with(&format!("{}.", section.as_str())),
                    "{}",
                    i.code
                );
            }
        }
    }

    #[test]
    fn a_clean_report_says_so() {
        let items = vec![
            item("frame.01", ItemResult::Ok),
            item("road_test.01", ItemResult::Ok),
        ];
        assert_eq!(
            summary(&CLEAN, &items),
            "无重大事故、无泡水、无火烧、里程真实"
        );
        assert!(is_clean(&CLEAN, &items));
    }

    #[test]
    fn problems_are_named() {
        let flags = InspectionFlags {
            flood: true,
            odometer: OdometerCheck::Suspected,
            ..CLEAN
        };
        let items = vec![
            item("frame.07", ItemResult::Major),
            item("exterior.01", ItemResult::Minor),
            item("exterior.02", ItemResult::Minor),
        ];
        assert_eq!(
            summary(&flags, &items),
            "骨架有损伤、泡水车、无火烧、疑似调表、重大问题：骨架左前纵梁、轻微问题2项"
        );
        assert!(!is_clean(&flags, &items));
    }

    #[test]
    fn many_major_items_are_counted() {
        let items: Vec<_> = ["chassis.01", "chassis.02", "chassis.03", "chassis.04"]
            .iter()
            .map(|c| item(c, ItemResult::Major))
            .collect();
        let flags = InspectionFlags {
            accident: true,
            fire: true,
            odometer: OdometerCheck::NotChecked,
            ..CLEAN
        };
        assert_eq!(
            summary(&flags, &items),
            "有重大事故、无泡水、火烧车、里程未核实、重大问题：底盘前悬挂、底盘后悬挂、底盘减震器等4项"
        );
    }

    #[test]
    fn items_are_checked_against_the_checklist() {
        assert_eq!(validate_items(&[item("frame.01", ItemResult::Ok)]), Ok(()));
        let problems = validate_items(&[
            item("frame.01", ItemResult::Ok),
            CheckedItem {
                section: Section::Frame,
                code: "frame.99".into(),
                result: ItemResult::Ok,
            },
            CheckedItem {
                section: Section::Interior,
                code: "frame.02".into(),
                result: ItemResult::Ok,
            },
            item("frame.01", ItemResult::Minor),
        ])
        .unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| (p.index, p.code)).collect();
        assert_eq!(
            codes,
            vec![
                (1, "unknown_item"),
                (2, "wrong_section"),
                (3, "duplicate_item")
            ]
        );
    }
}
