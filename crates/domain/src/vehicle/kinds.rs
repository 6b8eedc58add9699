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
