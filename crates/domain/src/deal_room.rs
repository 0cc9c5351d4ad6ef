//! The deal room (交易室, SPEC §5, issue 6 point 3): the second stage of a listing's disclosure.
//! The public reads the listing's non-confidential summary; the confidential documents are for
//! the seller's members, the listing's operators and the buyers who accepted its
//! confidentiality agreement. Here: what a stored document records, which files are accepted
//! (type by extension AND content, size, how many per listing) and who may open the room.

use crate::access::Subject;
use crate::intent::Intent;
use crate::listing::Listing;
use crate::{AccountId, DocumentId, FieldError, ListingId, Millis};
use serde::{Deserialize, Serialize};

/// One confidential document of a listing. The file itself is stored apart, under the
/// document's id (the server's documents directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMeta {
    pub id: DocumentId,
    pub listing_id: ListingId,
    /// The uploader's file name, made safe ([`file_name`]): shown and offered on download,
    /// never used on disk.
    pub name: String,
    /// What the uploader says the file is (optional: empty when none), see [`description`].
    #[serde(default)]
    pub description: String,
    /// `application/pdf`, `image/png`, …: from the accepted type, not from the client.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// Lower-case hex SHA-256 of the content, as received.
    pub sha256: String,
    pub uploaded_by: AccountId,
    pub uploaded_at: Millis,
}

/// The limits of a market's deal rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRules {
    /// The largest file, in bytes.
    pub max_size: u64,
    /// The most documents one listing holds.
    pub max_per_listing: usize,
}

/// 20 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 20 * 1024 * 1024;
pub const DEFAULT_MAX_PER_LISTING: usize = 50;
/// The longest file name kept, in characters (the extension included).
pub const MAX_NAME_CHARS: usize = 120;
/// The longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// How many leading bytes [`check_content`] looks at.
pub const SNIFF_BYTES: usize = 8192;

impl Default for DocumentRules {
    fn default() -> Self {
        DocumentRules {
            max_size: DEFAULT_MAX_SIZE,
            max_per_listing: DEFAULT_MAX_PER_LISTING,
        }
    }
}

/// The kinds of file a deal room accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentType {
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Png,
    Jpeg,
    Zip,
    Text,
}

impl DocumentType {
    pub const ALL: [DocumentType; 8] = [
        DocumentType::Pdf,
        DocumentType::Docx,
        DocumentType::Xlsx,
        DocumentType::Pptx,
        DocumentType::Png,
        DocumentType::Jpeg,
        DocumentType::Zip,
        DocumentType::Text,
    ];

    /// The file name extensions of the type (lower case).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            DocumentType::Pdf => &["pdf"],
            DocumentType::Docx => &["docx"],
            DocumentType::Xlsx => &["xlsx"],
            DocumentType::Pptx => &["pptx"],
            DocumentType::Png => &["png"],
            DocumentType::Jpeg => &["jpg", "jpeg"],
            DocumentType::Zip => &["zip"],
            DocumentType::Text => &["txt", "csv", "md"],
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DocumentType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DocumentType::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            DocumentType::Png => "image/png",
            DocumentType::Jpeg => "image/jpeg",
            DocumentType::Zip => "application/zip",
            DocumentType::Text => "text/plain; charset=utf-8",
        }
    }

    /// The type a file name's extension names, if accepted.
    pub fn by_extension(name: &str) -> Option<DocumentType> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        DocumentType::ALL
            .into_iter()
            .find(|t| t.extensions().contains(&ext.as_str()))
    }

    fn label_zh(self) -> &'static str {
        match self {
            DocumentType::Pdf => "PDF 文件",
            DocumentType::Docx => "Word 文档",
            DocumentType::Xlsx => "Excel 表格",
            DocumentType::Pptx => "PowerPoint 演示文稿",
            DocumentType::Png => "PNG 图片",
            DocumentType::Jpeg => "JPEG 图片",
            DocumentType::Zip => "ZIP 压缩包",
            DocumentType::Text => "纯文本文件",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            DocumentType::Pdf => "a PDF file",
            DocumentType::Docx => "a Word document",
            DocumentType::Xlsx => "an Excel workbook",
            DocumentType::Pptx => "a PowerPoint presentation",
            DocumentType::Png => "a PNG image",
            DocumentType::Jpeg => "a JPEG image",
            DocumentType::Zip => "a ZIP archive",
            DocumentType::Text => "a plain text file",
        }
    }
}

const ACCEPTED: &str = "pdf, docx, xlsx, pptx, png, jpg, jpeg, zip, txt, csv, md";

fn file_error(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("file", code, zh, en)
}

/// The uploader's file name made safe to show and to offer on download — its last path
/// component, without control characters or characters that file systems refuse, at most
/// [`MAX_NAME_CHARS`] characters with its extension kept — and the type its extension names.
pub fn file_name(raw: &str) -> Result<(String, DocumentType), FieldError> {
    // Browsers on Windows used to send the whole path.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return Err(file_error(
            "file_name_required",
            "请上传带文件名的文件",
            "the file needs a name",
        ));
    }
    let Some(kind) = DocumentType::by_extension(&cleaned) else {
        let ext = cleaned
            .rsplit_once('.')
            .map(|(_, e)| e.chars().take(20).collect::<String>());
        return Err(match ext {
            Some(e) => file_error(
                "file_type_not_allowed",
                format!("不接受「.{e}」类型的文件，可上传：{ACCEPTED}"),
                format!("files of type `.{e}` are not accepted; accepted: {ACCEPTED}"),
            ),
            None => file_error(
                "file_type_not_allowed",
                format!("文件名须带扩展名，可上传：{ACCEPTED}"),
                format!("the file name needs an extension; accepted: {ACCEPTED}"),
            ),
        });
    };
    let chars: Vec<char> = cleaned.chars().collect();
    let name = if chars.len() > MAX_NAME_CHARS {
        // Keep the extension: it is what the download is opened with.
        let ext_len = cleaned.rsplit_once('.').map_or(0, |(_, e)| e.chars().count() + 1);
        let stem: String = chars[..MAX_NAME_CHARS - ext_len].iter().collect();
        let ext: String = chars[chars.len() - ext_len..].iter().collect();
        format!("{}{ext}", stem.trim_end())
    } else {
        cleaned
    };
    Ok((name, kind))
}

/// Whether the leading bytes of a file (at least [`SNIFF_BYTES`] of it, or all of a smaller
/// one) are what its extension says: a `.pdf` that is not a PDF is refused.
pub fn check_content(kind: DocumentType, head: &[u8]) -> Result<(), FieldError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const EMPTY_ZIP: &[u8] = b"PK\x05\x06";
    let ok = match kind {
        DocumentType::Pdf => head.starts_with(b"%PDF-"),
        // Office Open XML files are ZIP archives.
        DocumentType::Docx | DocumentType::Xlsx | DocumentType::Pptx => head.starts_with(ZIP),
        DocumentType::Zip => head.starts_with(ZIP) || head.starts_with(EMPTY_ZIP),
        DocumentType::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        DocumentType::Jpeg => head.starts_with(b"\xff\xd8\xff"),
        DocumentType::Text => is_text(head),
    };
    if ok {
        Ok(())
    } else {
        Err(file_error(
            "file_content_mismatch",
            format!("文件内容不是{}，与扩展名不符", kind.label_zh()),
            format!("the file's content is not {}, as its extension says", kind.label_en()),
        ))
    }
}

/// Text: UTF-8 (a character cut at the end of `head` allowed) or a legacy Chinese encoding —
/// in any case no NUL byte and no executable's or archive's signature.
fn is_text(head: &[u8]) -> bool {
    const BINARY: [&[u8]; 5] = [b"MZ", b"\x7fELF", b"PK\x03\x04", b"%PDF-", b"\xca\xfe\xba\xbe"];
    !head.contains(&0) && !BINARY.iter().any(|m| head.starts_with(m))
}

/// An upload's description, trimmed: at most [`MAX_DESCRIPTION_CHARS`] characters, line breaks
/// and tabs the only control characters. Empty means none.
pub fn description(raw: &str) -> Result<String, FieldError> {
    let d = raw.trim().replace("\r\n", "\n");
    if d.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(
            "description",
            "control_characters",
            "文件说明中含有不可见的控制字符",
            "the description contains control characters",
        ));
    }
    let n = d.chars().count();
    if n > MAX_DESCRIPTION_CHARS {
        return Err(FieldError::new(
            "description",
            "too_long",
            format!("文件说明最多 {MAX_DESCRIPTION_CHARS} 个字，现有 {n} 个"),
            format!("the description has {n} characters; at most {MAX_DESCRIPTION_CHARS} are allowed"),
        ));
    }
    Ok(d)
}

/// An upload's size against the rules: not empty, not over the limit.
pub fn check_size(size: u64, rules: &DocumentRules) -> Result<(), FieldError> {
    if size == 0 {
        return Err(file_error("file_empty", "文件是空的", "the file is empty"));
    }
    if size > rules.max_size {
        return Err(too_large(rules));
    }
    Ok(())
}

/// The refusal of a file over the size limit.
pub fn too_large(rules: &DocumentRules) -> FieldError {
    let limit = size_text(rules.max_size);
    file_error(
        "file_too_large",
        format!("文件超过 {limit} 的上限"),
        format!("the file exceeds the limit of {limit}"),
    )
}

/// `20 MiB`, `512 KiB`, `100 bytes`.
fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Whether a listing holding `existing` documents takes one more.
pub fn check_count(existing: usize, rules: &DocumentRules) -> Result<(), FieldError> {
    if existing >= rules.max_per_listing {
        return Err(file_error(
            "too_many_documents",
            format!("每个挂牌项目最多上传 {} 个文件", rules.max_per_listing),
            format!("a listing holds at most {} documents", rules.max_per_listing),
        ));
    }
    Ok(())
}

/// Who puts documents in the room: the seller's members, operators of the listing's region,
/// administrators.
pub fn may_manage_deal_room(subject: &Subject, listing: &Listing) -> bool {
    subject.is_admin() || subject.operates_in(&listing.region) || subject.member_of(&[listing.seller.id])
}

/// Who opens the room: those who manage it, and a member of a buyer whose intent on this
/// listing (`my_intent`, the caller's organization's) has accepted the confidentiality
/// agreement and is still live. Everyone else reads only the public summary.
pub fn may_open_deal_room(subject: &Subject, listing: &Listing, my_intent: Option<&Intent>) -> bool {
    may_manage_deal_room(subject, listing)
        || my_intent
            .is_some_and(|i| i.listing_id == listing.id && i.opens_deal_room() && subject.member_of(&[i.buyer.id]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Principal;
    use crate::account::Role;
    use crate::intent::IntentStatus;
    use crate::listing::{ListingMode, ListingRules, ListingTerms, NewListing, Party};
    use crate::standards::RegionCode;
    use crate::{AchievementId, IntentId, OrganizationId};

    #[test]
    fn names_are_made_safe_and_keep_their_extension() {
        assert_eq!(
            file_name("C:\\Users\\王工\\技术说明书.PDF").unwrap(),
            ("技术说明书.PDF".to_string(), DocumentType::Pdf)
        );
        assert_eq!(file_name("../../etc/报价.xlsx").unwrap().0, "报价.xlsx");
        assert_eq!(file_name("a<b>:c?.png").unwrap().0, "a_b__c_.png");
        assert_eq!(file_name("  照片.JPEG  ").unwrap().1, DocumentType::Jpeg);
        assert_eq!(file_name("line\nbreak.txt").unwrap().0, "linebreak.txt");
        let long = format!("{}.docx", "长".repeat(300));
        let (name, kind) = file_name(&long).unwrap();
        assert_eq!(kind, DocumentType::Docx);
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with(".docx"));
        for bad in ["", "   ", "..", "dir/", "程序.exe", "无扩展名", "archive.tar.gz"] {
            let e = file_name(bad).unwrap_err();
            assert_eq!(e.path, "file", "{bad}");
            assert!(!e.zh.is_empty() && !e.en.is_empty());
        }
        assert_eq!(file_name("程序.exe").unwrap_err().code, "file_type_not_allowed");
    }

    #[test]
    fn content_must_be_what_the_extension_says() {
        assert!(check_content(DocumentType::Pdf, b"%PDF-1.7\n...").is_ok());
        let e = check_content(DocumentType::Pdf, b"MZ\x90\x00 an executable").unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("file", "file_content_mismatch"));
        assert!(e.zh.contains("PDF") && e.en.contains("PDF"));
        assert!(check_content(DocumentType::Docx, b"PK\x03\x04\x14\x00").is_ok());
        assert!(check_content(DocumentType::Docx, b"%PDF-1.4").is_err());
        assert!(check_content(DocumentType::Zip, b"PK\x05\x06\0\0").is_ok());
        assert!(check_content(DocumentType::Png, b"\x89PNG\r\n\x1a\n\0\0").is_ok());
        assert!(check_content(DocumentType::Png, b"\xff\xd8\xff\xe0").is_err());
        assert!(check_content(DocumentType::Jpeg, b"\xff\xd8\xff\xe0").is_ok());
        assert!(check_content(DocumentType::Text, "技术指标：耐温 100 ℃".as_bytes()).is_ok());
        assert!(
            check_content(DocumentType::Text, b"\xbc\xbc\xca\xf5").is_ok(),
            "GBK text"
        );
        assert!(check_content(DocumentType::Text, b"MZ\x90\x00").is_err());
        assert!(check_content(DocumentType::Text, b"a\0b").is_err());
        assert!(check_content(DocumentType::Pdf, b"").is_err());
    }

    #[test]
    fn descriptions_are_trimmed_and_bounded() {
        assert_eq!(
            description("  第三方检测报告\r\n2025 年  ").unwrap(),
            "第三方检测报告\n2025 年"
        );
        assert_eq!(description("").unwrap(), "");
        let e = description(&"长".repeat(MAX_DESCRIPTION_CHARS + 1)).unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("description", "too_long"));
        assert!(description(&"长".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        assert_eq!(description("a\u{7}b").unwrap_err().code, "control_characters");
    }

    #[test]
    fn size_and_count_limits() {
        let rules = DocumentRules::default();
        assert_eq!(rules.max_size, 20 * 1024 * 1024);
        assert!(check_size(1, &rules).is_ok());
        assert!(check_size(rules.max_size, &rules).is_ok());
        let e = check_size(rules.max_size + 1, &rules).unwrap_err();
        assert_eq!(e.code, "file_too_large");
        assert!(e.zh.contains("20 MiB") && e.en.contains("20 MiB"), "{e}");
        assert_eq!(check_size(0, &rules).unwrap_err().code, "file_empty");
        let small = DocumentRules {
            max_size: 64 * 1024,
            max_per_listing: 2,
        };
        assert!(check_size(64 * 1024 + 1, &small).unwrap_err().en.contains("64 KiB"));
        assert!(check_count(1, &small).is_ok());
        let e = check_count(2, &small).unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("file", "too_many_documents"));
    }

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    fn principal(role: Role, org: Option<OrganizationId>, region: Option<RegionCode>) -> Subject {
        Subject::Account(Principal {
            account_id: AccountId::new(),
            username: "u".into(),
            role,
            organization_id: org,
            org_admin: false,
            region,
            broker_id: None,
            expert_id: None,
        })
    }

    #[test]
    fn the_room_opens_to_the_seller_operators_and_buyers_who_accepted() {
        let seller = OrganizationId::new();
        let buyer = OrganizationId::new();
        let listing = Listing::draft(
            ListingId::new(),
            NewListing {
                achievement_id: AchievementId::new(),
                terms: ListingTerms {
                    mode: ListingMode::FixedPrice,
                    price: 1_000_000,
                    reserve: None,
                    increment: None,
                    deposit: 0,
                    announcement_days: 20,
                    bidding_minutes: None,
                    soft_close_minutes: None,
                },
                summary: Some("公开摘要".into()),
                confidentiality: None,
                buyer_id: None,
            },
            "一种耐高温聚乳酸餐具改性技术".into(),
            "",
            Party {
                id: seller,
                name: "吉林大学".into(),
            },
            true,
            region("220102"),
            None,
            &ListingRules::default(),
            1,
        )
        .unwrap();
        let intent = Intent::register(
            IntentId::new(),
            &listing,
            Party {
                id: buyer,
                name: "长春恒驰汽车零部件有限公司".into(),
            },
            AccountId::new(),
            None,
            2,
        )
        .unwrap();
        let member = |org| principal(Role::Member, Some(org), None);
        let operator = |code| principal(Role::Operator, None, Some(region(code)));

        assert!(may_open_deal_room(&member(seller), &listing, None));
        assert!(may_manage_deal_room(&member(seller), &listing));
        assert!(may_open_deal_room(&operator("220100"), &listing, None));
        assert!(may_open_deal_room(&operator("220000"), &listing, None));
        assert!(!may_open_deal_room(&operator("220200"), &listing, None));
        assert!(may_open_deal_room(&principal(Role::Admin, None, None), &listing, None));
        assert!(!may_open_deal_room(&Subject::Visitor, &listing, None));
        assert!(!may_open_deal_room(
            &principal(Role::Broker, None, None),
            &listing,
            None
        ));

        // A buyer: only once its intent accepted the agreement, and only while it is live.
        assert!(!may_open_deal_room(&member(buyer), &listing, Some(&intent)));
        let accepted = intent.accept_confidentiality(AccountId::new(), 3).unwrap();
        assert!(may_open_deal_room(&member(buyer), &listing, Some(&accepted)));
        assert!(
            !may_manage_deal_room(&member(buyer), &listing),
            "a buyer reads, never uploads"
        );
        let other = OrganizationId::new();
        assert!(
            !may_open_deal_room(&member(other), &listing, Some(&accepted)),
            "another organization's intent opens nothing to it"
        );
        let released = Intent {
            status: IntentStatus::Released,
            ..accepted.clone()
        };
        assert!(!may_open_deal_room(&member(buyer), &listing, Some(&released)));
        let elsewhere = Intent {
            listing_id: ListingId::new(),
            ..accepted
        };
        assert!(!may_open_deal_room(&member(buyer), &listing, Some(&elsewhere)));
    }
}
