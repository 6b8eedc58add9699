//! Brand and model names as people write them (`宝马`, `BMW`, `华晨宝马`; `3系`, `325Li`), mapped
//! to one canonical key each. Matching compares brands by key, the query parser reads them, and
//! a repository stores the key in an indexed column so hard filters run in SQL.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::{BodyType, EnergyType};

/// A brand (品牌).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brand {
    /// Stable snake_case key: stored, compared, never shown.
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Other names, makers' joint-venture names and common nicknames.
    pub aliases: &'static [&'static str],
}

/// A model line (车系) of a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// The [`Brand::key`].
    pub brand: &'static str,
    /// Stable snake_case key, unique across brands.
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub aliases: &'static [&'static str],
    /// The body most versions have, when there is one.
    pub body: Option<BodyType>,
    /// Set only when every version of the line shares it (Tesla, NIO are all electric).
    pub energy: Option<EnergyType>,
}

const fn b(
    key: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    aliases: &'static [&'static str],
) -> Brand {
    Brand {
        key,
        name_zh,
        name_en,
        aliases,
    }
}

#[rustfmt::skip]
static BRANDS: &[Brand] = &[
    // Germany
    b("bmw", "宝马", "BMW", &["华晨宝马", "bmw"]),
    b("mini", "MINI", "MINI", &["迷你"]),
    b("mercedes_benz", "奔驰", "Mercedes-Benz", &["梅赛德斯-奔驰", "梅赛德斯", "北京奔驰", "benz", "mercedes", "大奔"]),
    b("smart", "smart", "smart", &["精灵"]),
    b("audi", "奥迪", "Audi", &["一汽奥迪", "一汽-奥迪", "上汽奥迪"]),
    b("volkswagen", "大众", "Volkswagen", &["vw", "一汽大众", "一汽-大众", "上汽大众", "上汽-大众", "上海大众"]),
    b("jetta", "捷达", "Jetta", &[]),
    b("porsche", "保时捷", "Porsche", &[]),
    b("skoda", "斯柯达", "Škoda", &["skoda"]),
    b("opel", "欧宝", "Opel", &[]),
    // Japan
    b("toyota", "丰田", "Toyota", &["一汽丰田", "广汽丰田"]),
    b("lexus", "雷克萨斯", "Lexus", &["凌志"]),
    b("honda", "本田", "Honda", &["广汽本田", "东风本田"]),
    b("acura", "讴歌", "Acura", &[]),
    b("nissan", "日产", "Nissan", &["东风日产", "尼桑"]),
    b("infiniti", "英菲尼迪", "Infiniti", &[]),
    b("venucia", "启辰", "Venucia", &[]),
    b("mazda", "马自达", "Mazda", &["长安马自达", "一汽马自达"]),
    b("subaru", "斯巴鲁", "Subaru", &[]),
    b("mitsubishi", "三菱", "Mitsubishi", &["广汽三菱"]),
    b("suzuki", "铃木", "Suzuki", &[]),
    // Korea
    b("hyundai", "现代", "Hyundai", &["北京现代"]),
    b("genesis", "捷尼赛思", "Genesis", &[]),
    b("kia", "起亚", "Kia", &["东风悦达起亚", "悦达起亚"]),
    // United States
    b("ford", "福特", "Ford", &["长安福特", "江铃福特"]),
    b("lincoln", "林肯", "Lincoln", &[]),
    b("chevrolet", "雪佛兰", "Chevrolet", &["chevy"]),
    b("buick", "别克", "Buick", &[]),
    b("cadillac", "凯迪拉克", "Cadillac", &[]),
    b("gmc", "GMC", "GMC", &[]),
    b("jeep", "Jeep", "Jeep", &["吉普"]),
    b("chrysler", "克莱斯勒", "Chrysler", &[]),
    b("dodge", "道奇", "Dodge", &[]),
    b("tesla", "特斯拉", "Tesla", &[]),
    // Rest of Europe
    b("volvo", "沃尔沃", "Volvo", &[]),
    b("polestar", "极星", "Polestar", &[]),
    b("land_rover", "路虎", "Land Rover", &[]),
    b("jaguar", "捷豹", "Jaguar", &[]),
    b("rolls_royce", "劳斯莱斯", "Rolls-Royce", &[]),
    b("bentley", "宾利", "Bentley", &[]),
    b("aston_martin", "阿斯顿·马丁", "Aston Martin", &[]),
    b("lotus", "路特斯", "Lotus", &["莲花"]),
    b("mclaren", "迈凯伦", "McLaren", &[]),
    b("ferrari", "法拉利", "Ferrari", &[]),
    b("lamborghini", "兰博基尼", "Lamborghini", &[]),
    b("maserati", "玛莎拉蒂", "Maserati", &[]),
    b("alfa_romeo", "阿尔法·罗密欧", "Alfa Romeo", &[]),
    b("fiat", "菲亚特", "Fiat", &[]),
    b("peugeot", "标致", "Peugeot", &["东风标致"]),
    b("citroen", "雪铁龙", "Citroën", &["citroen", "东风雪铁龙"]),
    b("ds", "DS", "DS", &[]),
    b("renault", "雷诺", "Renault", &[]),
    // China
    b("byd", "比亚迪", "BYD", &[]),
    b("denza", "腾势", "Denza", &[]),
    b("geely", "吉利", "Geely", &["吉利汽车"]),
    b("lynk_co", "领克", "Lynk & Co", &["lynk"]),
    b("zeekr", "极氪", "Zeekr", &[]),
    b("chery", "奇瑞", "Chery", &["奇瑞汽车"]),
    b("changan", "长安", "Changan", &["长安汽车"]),
    b("great_wall", "长城", "Great Wall", &["长城汽车", "gwm"]),
    b("haval", "哈弗", "Haval", &["哈佛"]),
    b("wey", "魏牌", "WEY", &[]),
    b("tank", "坦克", "Tank", &[]),
    b("roewe", "荣威", "Roewe", &[]),
    b("mg", "名爵", "MG", &[]),
    b("maxus", "上汽大通", "Maxus", &["大通"]),
    b("wuling", "五菱", "Wuling", &[]),
    b("baojun", "宝骏", "Baojun", &[]),
    b("trumpchi", "传祺", "Trumpchi", &["广汽传祺"]),
    b("aion", "埃安", "Aion", &["广汽埃安"]),
    b("dongfeng", "东风", "Dongfeng", &["东风风神", "东风风行"]),
    b("voyah", "岚图", "Voyah", &[]),
    b("hongqi", "红旗", "Hongqi", &[]),
    b("bestune", "奔腾", "Bestune", &[]),
    b("jac", "江淮", "JAC", &["江淮汽车"]),
    b("nio", "蔚来", "NIO", &[]),
    b("li_auto", "理想", "Li Auto", &["理想汽车", "lixiang"]),
    b("xpeng", "小鹏", "XPeng", &["小鹏汽车", "xiaopeng"]),
    b("leapmotor", "零跑", "Leapmotor", &["零跑汽车"]),
    b("neta", "哪吒", "Neta", &["哪吒汽车"]),
    b("aito", "问界", "AITO", &["华为问界", "赛力斯问界"]),
    b("xiaomi", "小米", "Xiaomi", &["小米汽车"]),
    b("haima", "海马", "Haima", &[]),
    b("brilliance", "中华", "Brilliance", &["华晨中华"]),
    b("lifan", "力帆", "Lifan", &[]),
    b("dfsk", "东风小康", "DFSK", &[]),
    b("baic", "北京汽车", "BAIC", &["北汽"]),
    b("arcfox", "极狐", "Arcfox", &[]),
];

#[allow(clippy::too_many_arguments)]
const fn m(
    brand: &'static str,
    key: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    aliases: &'static [&'static str],
    body: Option<BodyType>,
    energy: Option<EnergyType>,
) -> Model {
    Model {
        brand,
        key,
        name_zh,
        name_en,
        aliases,
        body,
        energy,
    }
}

const SEDAN: Option<BodyType> = Some(BodyType::Sedan);
const SUV: Option<BodyType> = Some(BodyType::Suv);
const MPV: Option<BodyType> = Some(BodyType::Mpv);
const HATCH: Option<BodyType> = Some(BodyType::Hatchback);
const BEV: Option<EnergyType> = Some(EnergyType::Bev);
const EREV: Option<EnergyType> = Some(EnergyType::Erev);

#[rustfmt::skip]
static MODELS: &[Model] = &[
    m("bmw", "bmw_3_series", "3系", "3 Series", &["三系", "320li", "325li", "330li", "320i", "325i"], SEDAN, None),
    m("bmw", "bmw_5_series", "5系", "5 Series", &["五系", "525li", "530li"], SEDAN, None),
    m("bmw", "bmw_x1", "X1", "X1", &[], SUV, None),
    m("bmw", "bmw_x3", "X3", "X3", &[], SUV, None),
    m("bmw", "bmw_x5", "X5", "X5", &[], SUV, None),
    m("mercedes_benz", "benz_a_class", "A级", "A-Class", &["a200l"], SEDAN, None),
    m("mercedes_benz", "benz_c_class", "C级", "C-Class", &["c200l", "c260l", "c300l"], SEDAN, None),
    m("mercedes_benz", "benz_e_class", "E级", "E-Class", &["e260l", "e300l"], SEDAN, None),
    m("mercedes_benz", "benz_s_class", "S级", "S-Class", &[], SEDAN, None),
    m("mercedes_benz", "benz_glc", "GLC", "GLC", &[], SUV, None),
    m("mercedes_benz", "benz_gle", "GLE", "GLE", &[], SUV, None),
    m("audi", "audi_a4l", "A4L", "A4L", &[], SEDAN, None),
    m("audi", "audi_a6l", "A6L", "A6L", &[], SEDAN, None),
    m("audi", "audi_q3", "Q3", "Q3", &[], SUV, None),
    m("audi", "audi_q5l", "Q5L", "Q5L", &["q5"], SUV, None),
    m("volkswagen", "vw_passat", "帕萨特", "Passat", &[], SEDAN, None),
    m("volkswagen", "vw_magotan", "迈腾", "Magotan", &[], SEDAN, None),
    m("volkswagen", "vw_lavida", "朗逸", "Lavida", &[], SEDAN, None),
    m("volkswagen", "vw_sagitar", "速腾", "Sagitar", &[], SEDAN, None),
    m("volkswagen", "vw_bora", "宝来", "Bora", &[], SEDAN, None),
    m("volkswagen", "vw_tiguan_l", "途观L", "Tiguan L", &["途观"], SUV, None),
    m("volkswagen", "vw_tayron", "探岳", "Tayron", &[], SUV, None),
    m("volkswagen", "vw_id4", "ID.4", "ID.4", &["id4crozz", "id4x"], SUV, BEV),
    m("toyota", "toyota_camry", "凯美瑞", "Camry", &[], SEDAN, None),
    m("toyota", "toyota_corolla", "卡罗拉", "Corolla", &[], SEDAN, None),
    m("toyota", "toyota_levin", "雷凌", "Levin", &[], SEDAN, None),
    m("toyota", "toyota_rav4", "RAV4荣放", "RAV4", &["rav4", "荣放"], SUV, None),
    m("toyota", "toyota_highlander", "汉兰达", "Highlander", &[], SUV, None),
    m("toyota", "toyota_avalon", "亚洲龙", "Avalon", &[], SEDAN, None),
    m("toyota", "toyota_sienna", "赛那", "Sienna", &[], MPV, None),
    m("lexus", "lexus_es", "ES", "ES", &["es200", "es300h"], SEDAN, None),
    m("honda", "honda_accord", "雅阁", "Accord", &[], SEDAN, None),
    m("honda", "honda_civic", "思域", "Civic", &[], SEDAN, None),
    m("honda", "honda_crv", "CR-V", "CR-V", &[], SUV, None),
    m("honda", "honda_fit", "飞度", "Fit", &[], HATCH, None),
    m("honda", "honda_odyssey", "奥德赛", "Odyssey", &[], MPV, None),
    m("honda", "honda_elysion", "艾力绅", "Elysion", &[], MPV, None),
    m("nissan", "nissan_sylphy", "轩逸", "Sylphy", &[], SEDAN, None),
    m("nissan", "nissan_teana", "天籁", "Teana", &[], SEDAN, None),
    m("nissan", "nissan_xtrail", "奇骏", "X-Trail", &[], SUV, None),
    m("buick", "buick_regal", "君威", "Regal", &[], SEDAN, None),
    m("buick", "buick_lacrosse", "君越", "LaCrosse", &[], SEDAN, None),
    m("buick", "buick_excelle", "英朗", "Excelle", &[], SEDAN, None),
    m("buick", "buick_gl8", "GL8", "GL8", &[], MPV, None),
    m("buick", "buick_envision", "昂科威", "Envision", &[], SUV, None),
    m("chevrolet", "chevrolet_malibu", "迈锐宝", "Malibu", &[], SEDAN, None),
    m("ford", "ford_mondeo", "蒙迪欧", "Mondeo", &[], SEDAN, None),
    m("ford", "ford_explorer", "探险者", "Explorer", &[], SUV, None),
    m("hyundai", "hyundai_elantra", "伊兰特", "Elantra", &[], SEDAN, None),
    m("hyundai", "hyundai_tucson", "途胜", "Tucson", &[], SUV, None),
    m("cadillac", "cadillac_ct5", "CT5", "CT5", &[], SEDAN, None),
    m("cadillac", "cadillac_xt5", "XT5", "XT5", &[], SUV, None),
    m("volvo", "volvo_xc60", "XC60", "XC60", &[], SUV, None),
    m("volvo", "volvo_xc90", "XC90", "XC90", &[], SUV, None),
    m("volvo", "volvo_s90", "S90", "S90", &[], SEDAN, None),
    m("porsche", "porsche_cayenne", "卡宴", "Cayenne", &[], SUV, None),
    m("porsche", "porsche_macan", "Macan", "Macan", &["玛卡"], SUV, None),
    m("land_rover", "land_rover_range_rover", "揽胜", "Range Rover", &[], SUV, None),
    m("land_rover", "land_rover_defender", "卫士", "Defender", &[], SUV, None),
    m("tesla", "tesla_model_3", "Model 3", "Model 3", &[], SEDAN, BEV),
    m("tesla", "tesla_model_y", "Model Y", "Model Y", &[], SUV, BEV),
    m("tesla", "tesla_model_s", "Model S", "Model S", &[], SEDAN, BEV),
    m("tesla", "tesla_model_x", "Model X", "Model X", &[], SUV, BEV),
    m("byd", "byd_han", "汉", "Han", &["汉ev", "汉dm"], SEDAN, None),
    m("byd", "byd_qin", "秦", "Qin", &["秦plus", "秦l"], SEDAN, None),
    m("byd", "byd_song", "宋", "Song", &["宋plus", "宋pro", "宋l"], SUV, None),
    m("byd", "byd_tang", "唐", "Tang", &[], SUV, None),
    m("byd", "byd_seal", "海豹", "Seal", &[], SEDAN, None),
    m("byd", "byd_dolphin", "海豚", "Dolphin", &[], HATCH, BEV),
    m("byd", "byd_seagull", "海鸥", "Seagull", &[], HATCH, BEV),
    m("byd", "byd_yuan_plus", "元PLUS", "Yuan Plus", &["atto3", "元plus"], SUV, BEV),
    m("geely", "geely_monjaro", "星越L", "Monjaro", &[], SUV, None),
    m("geely", "geely_boyue", "博越", "Boyue", &[], SUV, None),
    m("geely", "geely_emgrand", "帝豪", "Emgrand", &[], SEDAN, None),
    m("geely", "geely_preface", "星瑞", "Preface", &[], SEDAN, None),
    m("zeekr", "zeekr_001", "极氪001", "Zeekr 001", &["zeekr001"], None, BEV),
    m("changan", "changan_cs75_plus", "CS75 PLUS", "CS75 Plus", &["cs75"], SUV, None),
    m("changan", "changan_cs55_plus", "CS55 PLUS", "CS55 Plus", &["cs55"], SUV, None),
    m("changan", "changan_eado", "逸动", "Eado", &[], SEDAN, None),
    m("changan", "changan_unik", "UNI-K", "UNI-K", &[], SUV, None),
    m("haval", "haval_h6", "H6", "H6", &[], SUV, None),
    m("haval", "haval_big_dog", "大狗", "Dargo", &["dargo"], SUV, None),
    m("tank", "tank_300", "坦克300", "Tank 300", &[], SUV, None),
    m("hongqi", "hongqi_h5", "H5", "H5", &[], SEDAN, None),
    m("hongqi", "hongqi_h9", "H9", "H9", &[], SEDAN, None),
    m("hongqi", "hongqi_hs5", "HS5", "HS5", &[], SUV, None),
    m("wuling", "wuling_hongguang", "宏光", "Hongguang", &[], MPV, None),
    m("wuling", "wuling_hongguang_mini_ev", "宏光MINIEV", "Hongguang Mini EV", &["宏光mini"], HATCH, BEV),
    m("li_auto", "li_one", "理想ONE", "Li ONE", &[], SUV, EREV),
    m("li_auto", "li_l6", "L6", "L6", &["理想l6"], SUV, None),
    m("li_auto", "li_l7", "L7", "L7", &["理想l7"], SUV, None),
    m("li_auto", "li_l8", "L8", "L8", &["理想l8"], SUV, None),
    m("li_auto", "li_l9", "L9", "L9", &["理想l9"], SUV, None),
    m("nio", "nio_es6", "ES6", "ES6", &[], SUV, BEV),
    m("nio", "nio_es8", "ES8", "ES8", &[], SUV, BEV),
    m("nio", "nio_ec6", "EC6", "EC6", &[], SUV, BEV),
    m("nio", "nio_et5", "ET5", "ET5", &[], SEDAN, BEV),
    m("nio", "nio_et7", "ET7", "ET7", &[], SEDAN, BEV),
    m("xpeng", "xpeng_p7", "P7", "P7", &["p7i", "p7+"], SEDAN, BEV),
    m("xpeng", "xpeng_g6", "G6", "G6", &[], SUV, BEV),
    m("xpeng", "xpeng_g9", "G9", "G9", &[], SUV, BEV),
    m("xpeng", "xpeng_x9", "X9", "X9", &[], MPV, None),
    m("xiaomi", "xiaomi_su7", "SU7", "SU7", &[], SEDAN, BEV),
    m("xiaomi", "xiaomi_yu7", "YU7", "YU7", &[], SUV, BEV),
    m("aito", "aito_m5", "M5", "M5", &["问界m5"], SUV, None),
    m("aito", "aito_m7", "M7", "M7", &["问界m7"], SUV, None),
    m("aito", "aito_m9", "M9", "M9", &["问界m9"], SUV, None),
    m("leapmotor", "leapmotor_c11", "C11", "C11", &[], SUV, None),
    m("leapmotor", "leapmotor_c10", "C10", "C10", &[], SUV, None),
];

/// Lower-cases, maps full-width forms to ASCII, and drops spaces and the punctuation people
/// put in names (`Mercedes-Benz`, `ID.4`, `Lynk & Co`, `阿斯顿·马丁`), so any writing of a
/// name meets the same key.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter_map(fold_char)
        .flat_map(char::to_lowercase)
        .collect()
}

/// One character as [`normalise`] sees it; `None` for characters it drops.
pub(crate) fn fold_char(c: char) -> Option<char> {
    let c = match c {
        // Full-width ASCII (ＢＭＷ, ＳＵＶ) and the ideographic space.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_whitespace() || matches!(c, '-' | '_' | '.' | '·' | '•' | '&' | '\'' | '’') {
        None
    } else {
        Some(c)
    }
}

struct Index {
    /// Names exactly as the table writes them: most stored names hit this without being
    /// normalised.
    brands_as_written: HashMap<&'static str, &'static Brand>,
    brands: HashMap<String, &'static Brand>,
    models: HashMap<String, Vec<&'static Model>>,
    /// Every normalised name, grouped by first character, longest first.
    aliases: HashMap<char, Vec<(Vec<char>, Named)>>,
}

/// What a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Named {
    Brand(&'static Brand),
    Model(&'static Model),
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = Index {
            brands_as_written: HashMap::new(),
            brands: HashMap::new(),
            models: HashMap::new(),
            aliases: HashMap::new(),
        };
        for brand in BRANDS {
            for name in [brand.key, brand.name_zh, brand.name_en]
                .into_iter()
                .chain(brand.aliases.iter().copied())
            {
                index.brands_as_written.insert(name, brand);
                let name = normalise(name);
                index.brands.insert(name.clone(), brand);
                index.add_alias(&name, Named::Brand(brand));
            }
        }
        for model in MODELS {
            for name in [model.name_zh, model.name_en]
                .into_iter()
                .chain(model.aliases.iter().copied())
            {
                let name = normalise(name);
                let entry = index.models.entry(name.clone()).or_default();
                if !entry.contains(&model) {
                    entry.push(model);
                    index.add_alias(&name, Named::Model(model));
                }
            }
        }
        for list in index.aliases.values_mut() {
            list.sort_by_key(|(alias, _)| std::cmp::Reverse(alias.len()));
        }
        index
    })
}

impl Index {
    fn add_alias(&mut self, name: &str, named: Named) {
        let chars: Vec<char> = name.chars().collect();
        let Some(&first) = chars.first() else { return };
        let list = self.aliases.entry(first).or_default();
        if !list.iter().any(|(c, n)| *c == chars && *n == named) {
            list.push((chars, named));
        }
    }
}

pub fn brands() -> &'static [Brand] {
    BRANDS
}

pub fn models() -> &'static [Model] {
    MODELS
}

pub fn brand_by_key(key: &str) -> Option<&'static Brand> {
    BRANDS.iter().find(|brand| brand.key == key)
}

pub fn model_by_key(key: &str) -> Option<&'static Model> {
    MODELS.iter().find(|model| model.key == key)
}

/// The brand a name stands for, however it is written.
pub fn find_brand(name: &str) -> Option<&'static Brand> {
    let index = index();
    match index.brands_as_written.get(name) {
        Some(brand) => Some(brand),
        None => index.brands.get(&normalise(name)).copied(),
    }
}

/// The key to store and compare a brand by: the canonical key of a known brand, otherwise the
/// normalised name, so two spellings of an unknown brand still meet when they differ only in
/// case, width or spacing.
pub fn brand_key(name: &str) -> String {
    brand_key_ref(name).into_owned()
}

/// [`brand_key`] without copying a known brand's key.
pub(crate) fn brand_key_ref(name: &str) -> Cow<'static, str> {
    match find_brand(name) {
        Some(brand) => Cow::Borrowed(brand.key),
        None => Cow::Owned(normalise(name)),
    }
}

/// The model a name stands for. With a brand key, only that brand's lines are considered;
/// without one, only a name no two brands share.
pub fn find_model(brand_key: Option<&str>, name: &str) -> Option<&'static Model> {
    let candidates = index().models.get(&normalise(name))?;
    let mut matching = candidates
        .iter()
        .filter(|model| brand_key.is_none_or(|key| model.brand == key));
    let first = matching.next()?;
    matching.next().is_none().then_some(*first)
}

/// The key to store and compare a model line by, like [`brand_key`].
pub fn model_key(brand_key: &str, name: &str) -> String {
    model_key_ref(brand_key, name).into_owned()
}

/// [`model_key`] without copying a known model's key.
pub(crate) fn model_key_ref(brand_key: &str, name: &str) -> Cow<'static, str> {
    match find_model(Some(brand_key), name) {
        Some(model) => Cow::Borrowed(model.key),
        None => Cow::Owned(normalise(name)),
    }
}

/// The longest brand or model name that starts at `chars[start]`, ignoring the characters
/// [`normalise`] drops. Returns the end (exclusive) and what the name stands for. ASCII names
/// only match as whole words, so `x3` does not match inside `gx300`.
pub(crate) fn name_at(chars: &[char], start: usize) -> Option<(usize, Named)> {
    let first = fold_char(*chars.get(start)?)?.to_lowercase().next()?;
    let candidates = index().aliases.get(&first)?;
    let word_char = |c: char| c.is_ascii_alphanumeric();
    if start > 0 && word_char(first) && chars[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    candidates.iter().find_map(|(alias, named)| {
        let mut at = start;
        for &expected in alias {
            loop {
                let raw = *chars.get(at)?;
                at += 1;
                match fold_char(raw) {
                    None if at - 1 > start => continue,
                    None => return None,
                    Some(c) if c.to_lowercase().eq(std::iter::once(expected)) => break,
                    Some(_) => return None,
                }
            }
        }
        let last = *alias.last()?;
        let next_is_word = chars
            .get(at)
            .and_then(|&c| fold_char(c))
            .is_some_and(word_char);
        (!(word_char(last) && next_is_word)).then_some((at, *named))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn keys_are_unique_snake_case_and_models_name_known_brands() {
        let mut seen = HashSet::new();
        for key in BRANDS
            .iter()
            .map(|b| b.key)
            .chain(MODELS.iter().map(|m| m.key))
        {
            assert!(seen.insert(key), "duplicate key {key}");
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{key}"
            );
        }
        for model in MODELS {
            assert!(brand_by_key(model.brand).is_some(), "{}", model.key);
        }
    }

    #[test]
    fn no_name_means_two_brands() {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for brand in BRANDS {
            for name in [brand.key, brand.name_zh, brand.name_en]
                .into_iter()
                .chain(brand.aliases.iter().copied())
            {
                let previous = owner.insert(normalise(name), brand.key);
                assert!(
                    previous.is_none_or(|p| p == brand.key),
                    "{name}: {previous:?} and {}",
                    brand.key
                );
            }
        }
        // Model names must not shadow a brand either, or the parser would read a brand as a
        // model.
        for model in MODELS {
            for name in [model.name_zh, model.name_en].iter().chain(model.aliases) {
                assert!(find_brand(name).is_none(), "{name} is also a brand");
                assert_eq!(find_model(None, name), Some(model), "{name}");
            }
        }
    }

    #[test]
    fn brands_are_found_however_they_are_written() {
        for name in ["宝马", "BMW", "bmw", " Ｂ Ｍ Ｗ ", "华晨宝马"] {
            assert_eq!(find_brand(name).map(|b| b.key), Some("bmw"), "{name}");
        }
        for name in [
            "奔驰",
            "Mercedes-Benz",
            "mercedes benz",
            "梅赛德斯-奔驰",
            "Benz",
        ] {
            assert_eq!(brand_key(name), "mercedes_benz", "{name}");
        }
        assert_eq!(brand_key("Lynk & Co"), "lynk_co");
        assert_eq!(brand_key("一汽-大众"), "volkswagen");
        assert_eq!(brand_key("  Rivian "), "rivian");
        assert_eq!(brand_key("Ri vian"), brand_key("RIVIAN"));
    }

    #[test]
    fn models_are_found_within_their_brand() {
        assert_eq!(model_key("bmw", "325Li"), "bmw_3_series");
        assert_eq!(model_key("tesla", "model y"), "tesla_model_y");
        assert_eq!(model_key("tesla", "ModelY"), "tesla_model_y");
        assert_eq!(model_key("honda", "crv"), "honda_crv");
        assert_eq!(model_key("byd", "汉EV"), "byd_han");
        // A name outside the brand is not that brand's model.
        assert_eq!(find_model(Some("bmw"), "汉"), None);
        assert_eq!(model_key("bmw", "i7"), "i7");
    }

    #[test]
    fn names_are_read_inside_running_text() {
        let text: Vec<char> = "宝马3系 2020 model y gx300 x3".chars().collect();
        assert_eq!(
            name_at(&text, 0),
            Some((2, Named::Brand(brand_by_key("bmw").unwrap())))
        );
        assert_eq!(
            name_at(&text, 2),
            Some((4, Named::Model(model_by_key("bmw_3_series").unwrap())))
        );
        assert_eq!(
            name_at(&text, 10),
            Some((17, Named::Model(model_by_key("tesla_model_y").unwrap())))
        );
        // `x3` inside `gx300` is not a BMW X3.
        assert_eq!(name_at(&text, 19), None);
        assert_eq!(
            name_at(&text, 24),
            Some((26, Named::Model(model_by_key("bmw_x3").unwrap())))
        );
        // A separator never starts a name.
        assert_eq!(name_at(&text, 4), None);
    }
}
