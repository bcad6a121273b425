use super::*;

/// A digest of 64 copies of hex character `c`.
fn d(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn digest(c: char) -> Digest {
    Digest::parse(&d(c)).unwrap()
}

/// A Docker v2 manifest as the sandbox seeds it (scripts/sandbox/manifests.py): indented
/// by three spaces, as Docker's registry client writes it.
const DOCKER_V2: &str = r#"{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 7301,
      "digest": "sha256:750f72c022f2860799c5818527ab717358f918a7080615fdcc28d905f6c16bfe"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2811969,
         "digest": "sha256:d1215dfdb9d027620ecbfde9d884f74180110971a37e67ec2c578d2dc4ba8e45"
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 1024,
         "digest": "sha256:027902d8332d0e52c5fcb4b6c8d5642fbab3028402d284b72d8172516a898a61"
      }
   ]
}"#;

/// The same image as buildx writes an OCI manifest: compact.
const OCI_MANIFEST_TEXT: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":7301,"digest":"sha256:750f72c022f2860799c5818527ab717358f918a7080615fdcc28d905f6c16bfe"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":2811969,"digest":"sha256:d1215dfdb9d027620ecbfde9d884f74180110971a37e67ec2c578d2dc4ba8e45"},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":1024,"digest":"sha256:027902d8332d0e52c5fcb4b6c8d5642fbab3028402d284b72d8172516a898a61"}]}"#;

/// The provenance manifest buildx attaches to an index: an OCI manifest whose one layer
/// is an in-toto statement with annotations of its own.
const ATTESTATION: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:bac8268035001a416a8fe365fb556ef7b2320db66f19da92319a1fe26b44ff65","size":167},"layers":[{"mediaType":"application/vnd.in-toto+json","digest":"sha256:482a764508ab606081c23f5d130772f51b956dd405ba53f6ac7ab2f2e661146e","size":11873,"annotations":{"in-toto.io/predicate-type":"https://slsa.dev/provenance/v0.2"}}]}"#;

/// An OCI index over an arm64 image and the attestation of it, as the sandbox seeds it.
const OCI_INDEX_TEXT: &str = r#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:d97aa8ec6dcf72869dfaf87777003d16cf50ffe9939fbea161b6a61e75c63f97", "size": 561, "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}}, {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:59b0fc794540e93b21d93d5c2351bd49893421677faae8128905b330149e2c03", "size": 467, "platform": {"architecture": "unknown", "os": "unknown"}, "annotations": {"vnd.docker.reference.digest": "sha256:d97aa8ec6dcf72869dfaf87777003d16cf50ffe9939fbea161b6a61e75c63f97", "vnd.docker.reference.type": "attestation-manifest"}}]}"#;

/// A Docker manifest list, indented like Docker v2 manifests.
const DOCKER_LIST: &str = r#"{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "digest": "sha256:9be09b28e75600a4c80157878852100dc9a33fe6f39e36146576d9095b816103",
         "size": 736,
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         }
      }
   ]
}"#;

fn blob(text: &str, size: u64) -> Blob {
    Blob {
        digest: Digest::parse(text).unwrap(),
        size,
    }
}

#[test]
fn docker_v2_and_oci_manifests_give_config_and_layers_in_order() {
    let expected_blobs = [
        blob(
            "sha256:750f72c022f2860799c5818527ab717358f918a7080615fdcc28d905f6c16bfe",
            7301,
        ),
        blob(
            "sha256:d1215dfdb9d027620ecbfde9d884f74180110971a37e67ec2c578d2dc4ba8e45",
            2_811_969,
        ),
        blob(
            "sha256:027902d8332d0e52c5fcb4b6c8d5642fbab3028402d284b72d8172516a898a61",
            1024,
        ),
    ];
    for (text, format) in [
        (DOCKER_V2, Format::DockerV2),
        (OCI_MANIFEST_TEXT, Format::OciManifest),
    ] {
        let manifest = parse(text.as_bytes()).unwrap();
        assert_eq!(manifest.format(), format);
        assert_eq!(manifest.blobs().collect::<Vec<_>>(), expected_blobs);
        assert_eq!(manifest.children().count(), 0);
    }
}

#[test]
fn an_attestation_manifest_is_an_image_of_its_config_and_statement() {
    let manifest = parse(ATTESTATION.as_bytes()).unwrap();
    let sizes: Vec<u64> = manifest.blobs().map(|b| b.size).collect();
    assert_eq!(sizes, [167, 11873]);
}

#[test]
fn an_oci_index_names_its_platforms_and_marks_its_attestation() {
    let Manifest::Index { format, children } = parse(OCI_INDEX_TEXT.as_bytes()).unwrap() else {
        panic!("an index");
    };
    assert_eq!(format, Format::OciIndex);
    assert_eq!(children.len(), 2);
    assert_eq!(
        children[0].digest.to_string(),
        "sha256:d97aa8ec6dcf72869dfaf87777003d16cf50ffe9939fbea161b6a61e75c63f97"
    );
    assert_eq!(
        children[0].platform,
        Some(Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
            variant: Some("v8".into()),
        })
    );
    assert!(!children[0].attestation);
    assert!(children[1].attestation);
    assert_eq!(
        children[1].platform.as_ref().map(|p| p.os.as_str()),
        Some("unknown")
    );
}

#[test]
fn a_docker_manifest_list_names_its_children() {
    let manifest = parse(DOCKER_LIST.as_bytes()).unwrap();
    assert_eq!(manifest.format(), Format::DockerManifestList);
    assert_eq!(manifest.blobs().count(), 0);
    let children: Vec<String> = manifest.children().map(|c| c.to_string()).collect();
    assert_eq!(
        children,
        ["sha256:9be09b28e75600a4c80157878852100dc9a33fe6f39e36146576d9095b816103"]
    );
}

#[test]
fn a_buildkit_cache_manifest_is_an_image_whatever_its_config_type() {
    // buildkit's registry cache exports an OCI manifest with its own config media type.
    let text = OCI_MANIFEST_TEXT.replace(
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.buildkit.cacheconfig.v0",
    );
    assert_eq!(parse(text.as_bytes()).unwrap().blobs().count(), 3);
}

#[test]
fn oci_manifests_without_a_media_type_are_read_by_their_fields() {
    let image = format!(
        r#"{{"schemaVersion":2,"config":{{"digest":"{}","size":2}},"layers":[]}}"#,
        d('a')
    );
    let manifest = parse(image.as_bytes()).unwrap();
    assert_eq!(manifest.format(), Format::OciManifest);
    assert_eq!(
        manifest.blobs().collect::<Vec<_>>(),
        [Blob {
            digest: digest('a'),
            size: 2
        }]
    );
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"digest":"{}","size":9}}]}}"#,
        d('b')
    );
    let manifest = parse(index.as_bytes()).unwrap();
    assert_eq!(manifest.format(), Format::OciIndex);
    assert_eq!(manifest.children().collect::<Vec<_>>(), [digest('b')]);
}

#[test]
fn platform_text_is_sanitised_and_cut() {
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"digest":"{}","platform":{{"os":"li\u001b[31mnux","architecture":"{}"}}}}]}}"#,
        d('c'),
        "x".repeat(500)
    );
    let Manifest::Index { children, .. } = parse(index.as_bytes()).unwrap() else {
        panic!("an index");
    };
    let platform = children[0].platform.clone().unwrap();
    assert!(!platform.os.contains('\u{1b}'), "{:?}", platform.os);
    assert!(platform.architecture.chars().count() <= SHOWN_CHARS + 1);
}

#[test]
fn shapes_berth_cannot_count_are_typed_errors() {
    let config = format!(r#"{{"digest":"{}","size":1}}"#, d('a'));
    let cases: Vec<(String, ManifestError)> = vec![
        (
            r#"{"schemaVersion":1,"name":"web","fsLayers":[{"blobSum":"sha256:aa"}]}"#.into(),
            ManifestError::Schema1,
        ),
        (
            r#"{"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}"#
                .into(),
            ManifestError::Schema1,
        ),
        (
            r#"{"schemaVersion":3,"layers":[]}"#.into(),
            ManifestError::UnsupportedSchemaVersion { version: 3 },
        ),
        (
            r#"{"layers":[]}"#.into(),
            ManifestError::MissingField {
                field: "schemaVersion".into(),
            },
        ),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.cncf.helm.chart"}"#.into(),
            ManifestError::UnsupportedMediaType {
                media_type: "application/vnd.cncf.helm.chart".into(),
            },
        ),
        (
            r#"{"schemaVersion":2}"#.into(),
            ManifestError::UnknownShape,
        ),
        (
            format!(r#"{{"schemaVersion":2,"config":{config},"manifests":[]}}"#),
            ManifestError::UnknownShape,
        ),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#
                .into(),
            ManifestError::MissingField {
                field: "config".into(),
            },
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{config}}}"#
            ),
            ManifestError::MissingField {
                field: "layers".into(),
            },
        ),
        (
            format!(r#"{{"schemaVersion":2,"config":{config},"layers":[{{"digest":"{}"}}]}}"#, d('b')),
            ManifestError::MissingField {
                field: "layers[0].size".into(),
            },
        ),
        (
            format!(r#"{{"schemaVersion":2,"config":{config},"layers":[{{"size":4}}]}}"#),
            ManifestError::MissingField {
                field: "layers[0].digest".into(),
            },
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"config":{config},"layers":[{config},{{"digest":"{}","size":-4}}]}}"#,
                d('b')
            ),
            ManifestError::InvalidSize {
                field: "layers[1].size".into(),
            },
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"config":{{"digest":"{}","size":1}},"layers":[]}}"#,
                d('A')
            ),
            ManifestError::InvalidDigest {
                field: "config.digest".into(),
            },
        ),
        (
            r#"{"schemaVersion":2,"manifests":[{"digest":"sha256:aa","size":1}]}"#.into(),
            ManifestError::InvalidDigest {
                field: "manifests[0].digest".into(),
            },
        ),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}"#.into(),
            ManifestError::MissingField {
                field: "manifests".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text.as_bytes()), Err(expected), "{text}");
    }
}

#[test]
fn text_that_is_not_json_or_has_wrong_types_is_refused() {
    for text in ["", "not json", "{\"schemaVersion\":2", "\u{feff}{}"] {
        assert!(
            matches!(parse(text.as_bytes()), Err(ManifestError::NotJson { .. })),
            "{text:?}"
        );
    }
    assert!(matches!(
        parse(&[0xff, 0xfe, 0x00]),
        Err(ManifestError::NotJson { .. })
    ));
    for text in [
        "[]",
        r#"{"schemaVersion":"2"}"#,
        r#"{"schemaVersion":2,"layers":[{"digest":"x","size":1.5}]}"#,
        r#"{"schemaVersion":2,"layers":{}}"#,
        r#"{"schemaVersion":2,"config":{"digest":7,"size":1},"layers":[]}"#,
    ] {
        assert!(
            matches!(parse(text.as_bytes()), Err(ManifestError::Malformed { .. })),
            "{text}"
        );
    }
}
