//! The fixed counts, and the closed value sets the data files are written in and the API
//! sends. Each set is one enum: its words, its list of values ([`ALL`](BodyRegion::ALL)),
//! its parsing and its OpenAPI schema (which lists what every value means) all come from
//! the one definition below.

/// The 14 channels every catalog has: 12 regular meridians plus GV and CV.
pub const MERIDIAN_COUNT: usize = 14;

/// Standard points per meridian, as the WHO nomenclature counts them.
pub const STANDARD_POINT_COUNT: usize = 361;

/// Defines a closed value set: an enum whose values are written, read and sent as the
/// given words, with `ALL` (every value, in order), `as_str`, `FromStr` (an unknown word
/// is an error naming the allowed ones) and a schema whose description says what each
/// value means. Every value needs a doc comment. The word must be the variant's name in
/// snake_case, as serde and the schema write it (a test checks every set).
macro_rules! value_set {
    (
        $(#[doc = $doc:literal])+
        $name:ident {
            $( $(#[doc = $vdoc:literal])+ $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        #[schema(description = describe(&[$($doc),+], &[$(($word, concat!($($vdoc),+))),+]))]
        pub enum $name {
            $( $(#[doc = $vdoc])+ $variant, )+
        }

        impl $name {
            /// Every value, in the order the set is defined.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word the value is written as.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(word: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == word)
                    .ok_or_else(|| {
                        let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("`{word}` is not one of: {}", words.join(", "))
                    })
            }
        }
    };
}

/// A schema description: the set's doc comment, then what each value means.
fn describe(summary: &[&str], values: &[(&str, &str)]) -> String {
    let summary: Vec<&str> = summary.iter().map(|line| line.trim()).collect();
    let values: Vec<String> = values
        .iter()
        .map(|(word, meaning)| format!("- `{word}`: {}", meaning.trim()))
        .collect();
    format!("{}\n\n{}", summary.join("\n").trim_end(), values.join("\n"))
}

value_set! {
    /// The body region a point lies in.
    BodyRegion {
        /// The skull and the scalp.
        Head = "head",
        /// The face: forehead, eyes, nose, cheeks, mouth and jaw.
        Face = "face",
        /// The front, sides and back of the neck, from below the ears and the skull down
        /// to the top of the shoulders.
        Neck = "neck",
        /// The shoulder joint and the shoulder blade.
        ShoulderScapula = "shoulder_scapula",
        /// The armpit.
        Axilla = "axilla",
        /// The front of the chest, between the collarbones and the lowest ribs.
        Chest = "chest",
        /// The back between the shoulder blades, down to the lowest ribs.
        UpperBack = "upper_back",
        /// The back below the ribs, down to the top of the pelvis.
        LowerBack = "lower_back",
        /// The sacrum, the buttocks and the perineum.
        SacrumButtockPerineum = "sacrum_buttock_perineum",
        /// The belly, from below the ribs to the pubic bone.
        Abdomen = "abdomen",
        /// The upper arm and the elbow.
        UpperArmElbow = "upper_arm_elbow",
        /// The forearm and the wrist.
        ForearmWrist = "forearm_wrist",
        /// The hand and the fingers.
        Hand = "hand",
        /// The hip, the groin and the thigh.
        HipThigh = "hip_thigh",
        /// The knee.
        Knee = "knee",
        /// The shin and the calf, between the knee and the ankle.
        LowerLeg = "lower_leg",
        /// The ankle.
        Ankle = "ankle",
        /// The foot and the toes.
        Foot = "foot",
    }
}

value_set! {
    /// How well the use of a point for a condition is supported.
    EvidenceLevel {
        /// Only tradition supports it.
        Traditional = "traditional",
        /// Small or low-quality trials support it.
        Limited = "limited",
        /// A systematic review of this point's own use supports it; the link's note
        /// names the review.
        Reviewed = "reviewed",
    }
}

value_set! {
    /// What the review a link cites looked at (in the data files; a `reviewed` link needs
    /// `point`).
    ReviewScope {
        /// The review analyses stimulation of this point (alone, or as the point studied).
        Point = "point",
        /// The review pools protocols of several points that include this one.
        Protocol = "protocol",
    }
}

value_set! {
    /// The group a condition is listed in.
    ConditionCategory {
        /// Pain that is not mainly of muscles or joints: headaches, migraine, toothache.
        Pain = "pain",
        /// Nausea, indigestion, constipation, bloating and hiccups.
        Digestive = "digestive",
        /// Stress, anxiety, low mood and sleep.
        MindSleep = "mind_sleep",
        /// Periods, pregnancy, labour and menopause.
        WomensHealth = "womens_health",
        /// Colds and blocked sinuses.
        Respiratory = "respiratory",
        /// Tiredness, cold hands and feet, and resistance to illness.
        EnergyCirculation = "energy_circulation",
        /// Tired eyes and other complaints of the eyes and head.
        EyesHead = "eyes_head",
        /// Tense muscles and sore joints: jaw, neck, back, wrist, knee.
        Musculoskeletal = "musculoskeletal",
    }
}

value_set! {
    /// The side of the body a step presses.
    Side {
        /// The left side only.
        Left = "left",
        /// The right side only.
        Right = "right",
        /// The point on both sides of the body.
        Both = "both",
        /// A single point on the midline of the body.
        Midline = "midline",
    }
}

value_set! {
    /// How firmly to press.
    Pressure {
        /// Gentle contact that only moves the skin.
        Light = "light",
        /// Steady pressure that is felt but does not hurt.
        Medium = "medium",
        /// Deep pressure, just short of discomfort.
        Firm = "firm",
    }
}

value_set! {
    /// What to press a point with.
    Finger {
        /// The pad of the thumb.
        Thumb = "thumb",
        /// The pad of the index or middle finger.
        Finger = "finger",
        /// The tips of several fingers together.
        Fingertips = "fingertips",
        /// A bent knuckle.
        Knuckle = "knuckle",
        /// The heel or flat of the palm.
        Palm = "palm",
    }
}

value_set! {
    /// How the sides of the body are pressed in self-care.
    SelfCareSides {
        /// Both sides at the same time.
        Both = "both",
        /// One side, then the other.
        OneSideAtATime = "one_side_at_a_time",
        /// A single point on the midline of the body.
        Midline = "midline",
    }
}

value_set! {
    /// Who a routine is written for.
    RoutineLevel {
        /// No experience needed: easy points and gentle pressure.
        Beginner = "beginner",
        /// For people who already find points with confidence.
        Intermediate = "intermediate",
    }
}

value_set! {
    /// How strict a general precaution is.
    PrecautionLevel {
        /// Do not press there.
        Avoid = "avoid",
        /// Press gently, or ask a doctor first.
        Care = "care",
    }
}

value_set! {
    /// Whether a point is one of the WHO standard points or an extra point.
    PointKind {
        /// One of the 361 WHO standard points on the 14 meridians.
        Standard = "standard",
        /// An extra point outside the meridians.
        Extra = "extra",
    }
}

value_set! {
    /// How a point is regarded in pregnancy, from least to most restrictive.
    Pregnancy {
        /// On none of the teaching lists' caution lists. Nothing known speaks against it,
        /// but that is not proof that it is safe in pregnancy.
        NotListed = "not_listed",
        /// Flagged by some lists: only with a midwife's or doctor's agreement.
        Caution = "caution",
        /// Flagged by nearly all lists: do not press during pregnancy.
        Contraindicated = "contraindicated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that every value of a set is written, read and sent as its word.
    fn words_match<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + std::fmt::Debug + PartialEq + serde::Serialize + serde::de::DeserializeOwned,
        T: std::str::FromStr<Err = String>,
    {
        for &value in all {
            let sent = serde_json::to_value(value).unwrap();
            assert_eq!(sent, as_str(value), "{value:?}");
            assert_eq!(as_str(value).parse::<T>(), Ok(value));
            assert_eq!(serde_json::from_value::<T>(sent).unwrap(), value);
        }
    }

    #[test]
    fn a_value_is_written_read_and_sent_as_its_word() {
        words_match(BodyRegion::ALL, BodyRegion::as_str);
        words_match(EvidenceLevel::ALL, EvidenceLevel::as_str);
        words_match(ConditionCategory::ALL, ConditionCategory::as_str);
        words_match(Side::ALL, Side::as_str);
        words_match(Pressure::ALL, Pressure::as_str);
        words_match(Finger::ALL, Finger::as_str);
        words_match(SelfCareSides::ALL, SelfCareSides::as_str);
        words_match(RoutineLevel::ALL, RoutineLevel::as_str);
        words_match(PrecautionLevel::ALL, PrecautionLevel::as_str);
        words_match(PointKind::ALL, PointKind::as_str);
        words_match(Pregnancy::ALL, Pregnancy::as_str);
        assert_eq!(BodyRegion::ALL.len(), 18);
        assert!(Pregnancy::NotListed < Pregnancy::Caution);
    }

    #[test]
    fn the_schema_lists_the_words() {
        let schema = serde_json::to_value(<SelfCareSides as utoipa::PartialSchema>::schema());
        assert_eq!(
            schema.unwrap()["enum"],
            serde_json::json!(["both", "one_side_at_a_time", "midline"])
        );
    }

    #[test]
    fn an_unknown_word_names_the_allowed_ones() {
        assert_eq!(
            "top".parse::<Side>(),
            Err("`top` is not one of: left, right, both, midline".into())
        );
    }

    #[test]
    fn the_schema_says_what_each_value_means() {
        let text = describe(
            &[" How firmly to press.", ""],
            &[("light", " Gentle."), ("firm", " Deep.")],
        );
        assert_eq!(
            text,
            "How firmly to press.\n\n- `light`: Gentle.\n- `firm`: Deep."
        );
    }
}
