//! Demo attachments: a few customers of the demo organisation get a purchase contract (a
//! small generated PDF) and an ID-card photo (a small generated PNG), uploaded through the
//! real pipeline by the consultant who owns each customer, so they are encrypted, hashed and
//! audited like any other.

use std::sync::Arc;

use actix_web::web::Bytes;
use autocrm_domain::access::{CustomerScope, Principal, PrincipalKind, Role};
use autocrm_domain::attachment::FileName;
use autocrm_persistence::models::{Customer, CustomerFilter, CustomerSort, TenantRecord, User};

use super::owners::OwnerType;
use super::upload::{self, Upload, Uploader};
use crate::app::{Actor, App, RequestMeta, ServiceError, ServiceResult};

/// How many demo customers get attachments.
const CUSTOMERS: usize = 6;

/// A one-page PDF with a line of text.
pub fn pdf(text: &str) -> Vec<u8> {
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii() && !"()\\".contains(*c))
        .collect();
    let stream = format!("BT /F1 18 Tf 72 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
/Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG: `width` × `height` pixels in two colours (a card-like picture).
pub fn png(width: u32, height: u32, colour: [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let border = x < 2 || y < 2 || x + 2 >= width || y + 2 >= height;
            raw.extend_from_slice(if border { &[40, 40, 40] } else { &colour });
        }
    }
    // zlib with stored (uncompressed) deflate blocks.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    out
}

/// Uploads the demo attachments; returns how many.
pub async fn seed(app: &App, org_id: &str) -> ServiceResult<usize> {
    let org = org_id.to_owned();
    let owned: Vec<(Customer, User)> = app
        .connection(move |conn| {
            let customers = Customer::list(
                conn,
                &org,
                &CustomerFilter::new(CustomerScope::All, CustomerSort::CreatedDesc, 50),
            )?
            .unwrap_or_default();
            let mut owned = Vec::new();
            for customer in customers {
                let Some(owner_id) = &customer.owner_id else {
                    continue;
                };
                if let Some(owner) = User::find(conn, &org, owner_id)? {
                    owned.push((customer, owner));
                }
                if owned.len() == CUSTOMERS {
                    break;
                }
            }
            Ok(owned)
        })
        .await?;
    let mut count = 0;
    for (i, (customer, owner)) in owned.into_iter().enumerate() {
        let role: Role = owner
            .role
            .parse()
            .map_err(|_| ServiceError::internal("a demo user has an unknown role"))?;
        let actor = Actor::Principal(Arc::new(Principal {
            id: owner.id.clone(),
            org_id: owner.org_id.clone(),
            role,
            store_id: owner.store_id.clone(),
            scopes: Vec::new(),
            kind: PrincipalKind::User,
        }));
        let files = [
            (
                format!("购车合同-{}.pdf", customer.name),
                pdf(&format!("Vehicle purchase contract No. 2026-{:04}", i + 1)),
                "application/pdf",
            ),
            (
                format!("{}-身份证正面.png", customer.name),
                png(86, 54, [120 + (i as u8) * 20, 170, 210]),
                "image/png",
            ),
        ];
        for (name, bytes, declared) in files {
            let upload = Upload {
                owner: OwnerType::Customer,
                owner_id: customer.id.clone(),
                declared: Some(declared.to_owned()),
                name: FileName::parse(&name).ok(),
            };
            let who = Uploader {
                app,
                actor: &actor,
                request: &RequestMeta::default(),
            };
            let body = futures_util::stream::iter([Ok(Bytes::from(bytes))]);
            upload::receive(who, &app.files, upload, body)
                .await
                .map_err(|e| ServiceError::internal(format!("demo attachment: {e}")))?;
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use autocrm_domain::attachment::{FileKind, sniff};

    #[test]
    fn the_generated_files_are_what_they_claim() {
        let pdf = super::pdf("Contract (demo) 合同");
        assert_eq!(sniff(&pdf), Some(FileKind::Pdf));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let png = super::png(86, 54, [1, 2, 3]);
        assert_eq!(sniff(&png), Some(FileKind::Png));
        // The CRC of IEND is fixed: AE 42 60 82.
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
