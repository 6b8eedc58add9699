//! The vocabularies that customers' needs and cars in stock share, so matching compares like
//! with like.

crate::text_enum! {
    /// Body style (车身形式).
    pub enum BodyType {
        Sedan = "sedan",
        Suv = "suv",
        Mpv = "mpv",
        Hatchback = "hatchback",
        Pickup = "pickup",
        Coupe = "coupe",
        Wagon = "wagon",
    }
}

crate::text_enum! {
    /// What drives the car: fuel, hybrids and new-energy vehicles (新能源: PHEV, BEV, EREV).
    pub enum EnergyType {
        Gasoline = "gasoline",
        Diesel = "diesel",
        /// Full hybrid without a plug (油电混动).
        Hev = "hev",
        /// Plug-in hybrid (插电混动).
        Phev = "phev",
        /// Battery electric (纯电).
        Bev = "bev",
        /// Extended-range electric (增程).
        Erev = "erev",
    }
}

impl EnergyType {
    /// New-energy vehicles (新能源汽车) as Chinese policy counts them: green plates, and the
    /// purchase-tax relief.
    pub fn is_new_energy(self) -> bool {
        matches!(self, EnergyType::Phev | EnergyType::Bev | EnergyType::Erev)
    }
}

crate::text_enum! {
    /// New (新车) or used (二手车).
    pub enum Condition {
        New = "new",
        Used = "used",
    }
}

crate::text_enum! {
    pub enum Transmission {
        Manual = "manual",
        Automatic = "automatic",
    }
}

impl BodyType {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Sedan => "轿车",
            Self::Suv => "SUV",
            Self::Mpv => "MPV",
            Self::Hatchback => "两厢车",
            Self::Pickup => "皮卡",
            Self::Coupe => "跑车",
            Self::Wagon => "旅行车",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Sedan => "sedan",
            Self::Suv => "SUV",
            Self::Mpv => "MPV",
            Self::Hatchback => "hatchback",
            Self::Pickup => "pickup",
            Self::Coupe => "coupe",
            Self::Wagon => "wagon",
        }
    }
}

impl EnergyType {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Gasoline => "汽油",
            Self::Diesel => "柴油",
            Self::Hev => "油电混动",
            Self::Phev => "插电混动",
            Self::Bev => "纯电",
            Self::Erev => "增程",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Gasoline => "petrol",
            Self::Diesel => "diesel",
            Self::Hev => "hybrid",
            Self::Phev => "plug-in hybrid",
            Self::Bev => "battery electric",
            Self::Erev => "range extender",
        }
    }
}

impl Condition {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::New => "新车",
            Self::Used => "二手车",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Used => "used",
        }
    }
}

impl Transmission {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Manual => "手动挡",
            Self::Automatic => "自动挡",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Automatic => "automatic",
        }
    }
}

crate::text_enum! {
    /// The colour family of a paint name (`珍珠白`, `Pearl White` → white), so a customer who
    /// wants "白色" meets a car painted "冰川白". A repository stores it beside the colour so a
    /// colour hard filter runs in SQL.
    pub enum ColourFamily {
        White = "white",
        Black = "black",
        Grey = "grey",
        Silver = "silver",
        Red = "red",
        Blue = "blue",
        Green = "green",
        Yellow = "yellow",
        Orange = "orange",
        Brown = "brown",
        Purple = "purple",
        Gold = "gold",
    }
}

impl ColourFamily {
    /// The family named earliest in a paint name; `None` when no family word appears.
    pub fn of(paint: &str) -> Option<Self> {
        // Runs for every car a customer with a colour wish is matched against: one pass over
        // the characters, no allocation.
        const ENGLISH: &[(&str, ColourFamily)] = &[
            ("white", ColourFamily::White),
            ("black", ColourFamily::Black),
            ("grey", ColourFamily::Grey),
            ("gray", ColourFamily::Grey),
            ("silver", ColourFamily::Silver),
            ("red", ColourFamily::Red),
            ("blue", ColourFamily::Blue),
            ("green", ColourFamily::Green),
            ("yellow", ColourFamily::Yellow),
            ("orange", ColourFamily::Orange),
            ("brown", ColourFamily::Brown),
            ("purple", ColourFamily::Purple),
            ("gold", ColourFamily::Gold),
            ("champagne", ColourFamily::Gold),
        ];
        let mut chars = paint.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let family = match c {
                '白' => Some(Self::White),
                '黑' => Some(Self::Black),
                '灰' => Some(Self::Grey),
                '银' => Some(Self::Silver),
                '红' => Some(Self::Red),
                '蓝' => Some(Self::Blue),
                '绿' => Some(Self::Green),
                '黄' => Some(Self::Yellow),
                '橙' | '橘' => Some(Self::Orange),
                '棕' | '咖' | '褐' => Some(Self::Brown),
                '紫' => Some(Self::Purple),
                '金' => Some(Self::Gold),
                '香' if chars.peek().is_some_and(|(_, next)| *next == '槟') => Some(Self::Gold),
                c if c.is_ascii_alphabetic() => ENGLISH.iter().find_map(|(word, family)| {
                    paint
                        .get(at..at + word.len())
                        .filter(|s| s.eq_ignore_ascii_case(word))
                        .map(|_| *family)
                }),
                _ => None,
            };
            if family.is_some() {
                return family;
            }
        }
        None
    }
}

/// A paint name as written (`珍珠白`), with its [`ColourFamily`] worked out once, since
/// matching compares it for every car in stock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Paint {
    name: String,
    family: Option<ColourFamily>,
}

impl Paint {
    pub fn new(name: &str) -> Self {
        let name = name.trim().to_owned();
        Self {
            family: ColourFamily::of(&name),
            name,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn family(&self) -> Option<ColourFamily> {
        self.family
    }
}

impl From<&str> for Paint {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl serde::Serialize for Paint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

crate::text_enum! {
    /// Which wheels are driven.
    pub enum Drivetrain {
        /// Front-wheel drive (前驱).
        Fwd = "fwd",
        /// Rear-wheel drive (后驱).
        Rwd = "rwd",
        /// Full-time or on-demand all-wheel drive (全时/适时四驱), as on most SUVs and EVs.
        Awd = "awd",
        /// Part-time four-wheel drive with a transfer case (分时四驱), as on off-roaders.
        FourWd = "4wd",
    }
}

crate::text_enum! {
    /// China's national emission standard (国标), printed on the registration certificate. Cities
    /// restrict which used cars may be registered by it, so it decides where a car can be sold.
    /// Battery-electric cars have none.
    pub enum EmissionStandard {
        /// 国二.
        China2 = "china_2",
        /// 国三.
        China3 = "china_3",
        /// 国四.
        China4 = "china_4",
        /// 国五.
        China5 = "china_5",
        /// 国六a.
        China6a = "china_6a",
        /// 国六b (includes 国六b+RDE).
        China6b = "china_6b",
    }
}

impl EmissionStandard {
    /// The label on Chinese documents: `国五`, `国六b`.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::China2 => "国二",
            Self::China3 => "国三",
            Self::China4 => "国四",
            Self::China5 => "国五",
            Self::China6a => "国六a",
            Self::China6b => "国六b",
        }
    }

    /// Reads the wire name or the ways dealers and ERPs write it: `国五`, `国5`, `国V`,
    /// `国六b`, `国6B`, `国VI-b`, `China 6b`. A bare `国六` is ambiguous and refused.
    pub fn from_label(label: &str) -> Option<Self> {
        if let Ok(standard) = label.trim().parse() {
            return Some(standard);
        }
        let compact: String = label
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '·' | '(' | ')'))
            .flat_map(char::to_lowercase)
            .collect();
        let rest = compact
            .strip_prefix('国')
            .or_else(|| compact.strip_prefix("china"))?;
        let (number, suffix) = [
            ("二", 2),
            ("三", 3),
            ("四", 4),
            ("五", 5),
            ("六", 6),
            ("vi", 6),
            ("iv", 4),
            ("v", 5),
            ("iii", 3),
            ("ii", 2),
            ("2", 2),
            ("3", 3),
            ("4", 4),
            ("5", 5),
            ("6", 6),
        ]
        .iter()
        .find_map(|(prefix, n)| rest.strip_prefix(prefix).map(|suffix| (*n, suffix)))?;
        match (number, suffix) {
            (2, "") => Some(Self::China2),
            (3, "") => Some(Self::China3),
            (4, "") => Some(Self::China4),
            (5, "") => Some(Self::China5),
            (6, "a") => Some(Self::China6a),
            (6, "b") | (6, "brde") | (6, "b+rde") => Some(Self::China6b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emission_labels_read_the_ways_people_write_them() {
        for (label, expected) in [
            ("国五", EmissionStandard::China5),
            ("国5", EmissionStandard::China5),
            ("国V", EmissionStandard::China5),
            ("国六a", EmissionStandard::China6a),
            ("国6B", EmissionStandard::China6b),
            ("国VI-b", EmissionStandard::China6b),
            ("国六b+RDE", EmissionStandard::China6b),
            ("China 6b", EmissionStandard::China6b),
            ("china_4", EmissionStandard::China4),
            ("国四", EmissionStandard::China4),
            ("国IV", EmissionStandard::China4),
            ("国III", EmissionStandard::China3),
        ] {
            assert_eq!(
                EmissionStandard::from_label(label),
                Some(expected),
                "{label}"
            );
        }
        for label in ["国六", "欧五", "", "国七", "6b"] {
            assert_eq!(EmissionStandard::from_label(label), None, "{label}");
        }
        for standard in EmissionStandard::ALL {
            assert_eq!(
                EmissionStandard::from_label(standard.label_zh()),
                Some(*standard)
            );
        }
    }

    #[test]
    fn new_energy_is_phev_bev_erev() {
        let nev: Vec<_> = EnergyType::ALL
            .iter()
            .filter(|e| e.is_new_energy())
            .collect();
        assert_eq!(
            nev,
            [&EnergyType::Phev, &EnergyType::Bev, &EnergyType::Erev]
        );
        assert_eq!("4wd".parse::<Drivetrain>(), Ok(Drivetrain::FourWd));
    }

    #[test]
    fn paint_names_fall_into_families() {
        for (paint, family) in [
            ("珍珠白", Some(ColourFamily::White)),
            ("Pearl White", Some(ColourFamily::White)),
            ("曜石黑", Some(ColourFamily::Black)),
            ("星际银", Some(ColourFamily::Silver)),
            ("银灰色", Some(ColourFamily::Silver)),
            ("Nardo Grey", Some(ColourFamily::Grey)),
            ("香槟金", Some(ColourFamily::Gold)),
            ("咖啡色", Some(ColourFamily::Brown)),
            ("Ultra Red", Some(ColourFamily::Red)),
            ("天空", None),
        ] {
            assert_eq!(ColourFamily::of(paint), family, "{paint}");
            assert_eq!(Paint::new(paint).family(), family, "{paint}");
        }
        assert_eq!(Paint::new(" 冰川白 ").name(), "冰川白");
    }
}
