//! vPDQ against Meta's sample hashes (`shared/anchors/pdq/vpdq/`).
//!
//! The tests that decode the sample videos need the `ffmpeg` CLI and run only with the
//! `ffmpeg-tests` feature:
//!
//! ```text
//! cargo test -p vigie-media --features ffmpeg-tests --test vpdq -- --nocapture
//! ```

use std::path::{Path, PathBuf};

use vigie_core::VpdqFrame;
use vigie_media::vpdq::{self, VpdqError, VpdqOptions};

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/pdq/vpdq")
}

#[cfg_attr(not(feature = "ffmpeg-tests"), allow(dead_code))]
fn sample_hashes(name: &str) -> PathBuf {
    anchors().join("vpdq/sample-hashes").join(name)
}

#[cfg_attr(not(feature = "ffmpeg-tests"), allow(dead_code))]
fn read_sample(name: &str) -> Vec<VpdqFrame> {
    let text = std::fs::read_to_string(sample_hashes(name)).expect("sample hashes");
    vpdq::parse_vpdq_text(&text).expect("parse")
}

#[test]
fn every_sample_file_round_trips_byte_for_byte() {
    let dir = anchors().join("vpdq/sample-hashes");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("sample-hashes folder") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let frames = vpdq::parse_vpdq_text(&text).unwrap();
        assert!(!frames.is_empty(), "{}", path.display());
        assert_eq!(vpdq::write_vpdq_text(&frames), text, "{}", path.display());
        files += 1;
    }
    assert_eq!(files, 31);
}

#[test]
fn parse_errors_name_the_line() {
    let good = "0,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.000\n";
    assert_eq!(vpdq::parse_vpdq_text(good).unwrap().len(), 1);
    assert_eq!(vpdq::parse_vpdq_text("\n\n").unwrap().len(), 0);
    let cases = [
        "0,100,dadb,0.000",
        "0,101,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.000",
        "x,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.000",
        "0,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c",
        "0,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,-1",
    ];
    for bad in cases {
        let text = format!("{good}{bad}\n");
        let err = vpdq::parse_vpdq_text(&text).unwrap_err();
        assert_eq!(err.line, 2, "{bad}: {err}");
    }
}

#[test]
fn missing_ffmpeg_is_a_clear_error() {
    let opts = VpdqOptions {
        ffmpeg: "/nonexistent/ffmpeg".into(),
        ffprobe: "/nonexistent/ffprobe".into(),
        ..VpdqOptions::default()
    };
    let video = anchors().join("tmk/sample-videos/doorknob-hd-no-bar.mp4");
    let err = vpdq::hash_video(&video, &opts).unwrap_err();
    assert!(matches!(err, VpdqError::FfmpegMissing { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("not found on PATH"), "{msg}");
    assert!(msg.contains("apt-get install ffmpeg"), "{msg}");
    assert!(matches!(
        vpdq::ffmpeg_version(&opts),
        Err(VpdqError::FfmpegMissing { .. })
    ));
}

#[test]
fn bad_options_are_refused_before_decoding() {
    let video = anchors().join("tmk/sample-videos/doorknob-hd-no-bar.mp4");
    for opts in [
        VpdqOptions {
            seconds_per_hash: -1.0,
            ..VpdqOptions::default()
        },
        VpdqOptions {
            downsample: Some((4, 128)),
            ..VpdqOptions::default()
        },
    ] {
        let err = vpdq::hash_video(&video, &opts).unwrap_err();
        assert!(matches!(err, VpdqError::InvalidOptions(_)), "{err}");
    }
}

#[cfg(feature = "ffmpeg-tests")]
mod with_ffmpeg {
    use super::*;
    use vigie_media::vpdq::Scaler;

    fn video(name: &str) -> PathBuf {
        anchors().join("tmk/sample-videos").join(name)
    }

    /// (frames bit-exact, max distance, max distance over frames of quality >= 50,
    /// frames whose quality differs)
    fn agreement(got: &[VpdqFrame], want: &[VpdqFrame], label: &str) -> (usize, u32, u32, usize) {
        assert_eq!(got.len(), want.len(), "{label}: frame count");
        let mut exact = 0;
        let mut max = 0;
        let mut max_q50 = 0;
        let mut quality_differs = 0;
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.frame, w.frame, "{label}");
            assert_eq!(
                format!("{:.3}", g.timestamp),
                format!("{:.3}", w.timestamp),
                "{label}: timestamp of frame {}",
                g.frame
            );
            let d = g.hash.distance(&w.hash);
            exact += usize::from(d == 0);
            max = max.max(d);
            if w.quality >= 50 {
                max_q50 = max_q50.max(d);
            }
            quality_differs += usize::from(g.quality != w.quality);
        }
        println!(
            "{label}: {exact}/{} frames bit-exact, max distance {max} (frames of quality >= 50: \
             {max_q50}), quality differs on {quality_differs}",
            want.len()
        );
        (exact, max, max_q50, quality_differs)
    }

    fn hash(name: &str, opts: &VpdqOptions) -> Vec<VpdqFrame> {
        vpdq::hash_video(&video(name), opts).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn ffmpeg_is_installed() {
        let v = vpdq::ffmpeg_version(&VpdqOptions::default()).expect("ffmpeg on PATH");
        println!("{v}");
    }

    /// `test-padded-dimensions.txt` was made in 2026 by today's reference (libav* + libswscale
    /// `SWS_AREA`, x86 SIMD): the default options give the reference's pixels, and with the
    /// reference's `f32` luminance every frame, quality and timestamp, byte for byte.
    #[test]
    fn test_padded_dimensions_default_options() {
        let want_text =
            std::fs::read_to_string(sample_hashes("test-padded-dimensions.txt")).unwrap();
        let want = vpdq::parse_vpdq_text(&want_text).unwrap();
        let got = hash("test-padded-dimensions.mp4", &VpdqOptions::every_frame());
        let (exact, max, _, quality_differs) = agreement(&got, &want, "test-padded-dimensions");
        assert_eq!((exact, max, quality_differs), (150, 0, 0));
        assert_eq!(vpdq::write_vpdq_text(&got), want_text);
    }

    /// `doorknob-hd-no-bar.txt` was made in 2022 by the reference's first version, which piped
    /// frames out of the ffmpeg CLI on a machine where libswscale ran its plain C code: with
    /// `portable` (`-cpuflags 0`) every frame, quality and timestamp is reproduced, and the
    /// text output is byte-for-byte the sample file.
    #[test]
    fn doorknob_portable_is_bit_exact() {
        let want_text = std::fs::read_to_string(sample_hashes("doorknob-hd-no-bar.txt")).unwrap();
        let want = vpdq::parse_vpdq_text(&want_text).unwrap();
        let opts = VpdqOptions {
            portable: true,
            ..VpdqOptions::every_frame()
        };
        let got = hash("doorknob-hd-no-bar.mp4", &opts);
        let (exact, max, _, quality_differs) = agreement(&got, &want, "doorknob portable");
        assert_eq!((exact, max, quality_differs), (120, 0, 0));
        assert_eq!(vpdq::write_vpdq_text(&got), want_text);
    }

    /// The same 2022 file with the default (SIMD) conversion: libswscale's x86 same-size
    /// YUV→RGB code rounds differently from its C code, which moves the hashes of the detailed
    /// frames by at most 22 bits (the upstream regression test accepts 31), and those of the
    /// fade-to-black frames (quality under 50, hashes of noise) by up to 76.
    #[test]
    fn doorknob_default_options_are_within_the_reference_tolerance() {
        let want = read_sample("doorknob-hd-no-bar.txt");
        let got = hash("doorknob-hd-no-bar.mp4", &VpdqOptions::every_frame());
        let (_, max, max_q50, _) = agreement(&got, &want, "doorknob default");
        assert!(max_q50 <= 22, "{max_q50}");
        assert!(max <= 76, "{max}");
    }

    /// `doorknob-hd-no-bar-128x128.txt` was made in July 2023 with `SWS_LANCZOS` downsampling to
    /// 128×128: every frame bit for bit.
    #[test]
    fn doorknob_128x128_lanczos() {
        let want = read_sample("doorknob-hd-no-bar-128x128.txt");
        let opts = VpdqOptions {
            downsample: Some((128, 128)),
            scaler: Scaler::Lanczos,
            ..VpdqOptions::every_frame()
        };
        let got = hash("doorknob-hd-no-bar.mp4", &opts);
        let (exact, max, _, quality_differs) = agreement(&got, &want, "doorknob 128x128");
        assert_eq!((exact, max, quality_differs), (120, 0, 0));
    }

    /// One hash per second: frames 0, 30, 60… at 30 fps, with the very hashes those frames have
    /// in the every-frame sample files (selection by frame index, not by timestamp).
    #[test]
    fn one_frame_per_second_selects_by_index() {
        for (name, portable, frames) in [
            ("doorknob-hd-no-bar", true, vec![0, 30, 60, 90]),
            ("test-padded-dimensions", false, vec![0, 30, 60, 90, 120]),
        ] {
            let opts = VpdqOptions {
                portable,
                ..VpdqOptions::default()
            };
            let got = hash(&format!("{name}.mp4"), &opts);
            let want: Vec<VpdqFrame> = read_sample(&format!("{name}.txt"))
                .into_iter()
                .filter(|f| f.frame % 30 == 0)
                .collect();
            assert_eq!(got.iter().map(|f| f.frame).collect::<Vec<_>>(), frames);
            let (exact, ..) = agreement(&got, &want, &format!("{name} 1 per second"));
            assert_eq!(exact, frames.len(), "{name}");
        }
    }

    #[test]
    fn single_threaded_hashing_gives_the_same_result() {
        let one = VpdqOptions {
            threads: 1,
            ..VpdqOptions::default()
        };
        let many = VpdqOptions {
            threads: 3,
            ..VpdqOptions::default()
        };
        let name = "test-padded-dimensions.mp4";
        assert_eq!(hash(name, &one), hash(name, &many));
    }

    fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn not_a_video() {
        let p = scratch("vpdq-not-a-video.mp4", b"hello, this is not a video\n");
        let err = vpdq::hash_video(&p, &VpdqOptions::default()).unwrap_err();
        assert!(matches!(err, VpdqError::NotAVideo { .. }), "{err}");
        let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vpdq-no-such-file.mp4");
        let err = vpdq::hash_video(&missing, &VpdqOptions::default()).unwrap_err();
        assert!(matches!(err, VpdqError::Io { .. }), "{err}");
    }

    #[test]
    fn truncated_video() {
        let bytes = std::fs::read(video("doorknob-hd-no-bar.mp4")).unwrap();
        let p = scratch("vpdq-truncated.mp4", &bytes[..300_000]);
        let err = vpdq::hash_video(&p, &VpdqOptions::every_frame()).unwrap_err();
        match &err {
            VpdqError::Truncated { frames, .. } => assert!(*frames > 0 && *frames < 120),
            other => panic!("{other}"),
        }
        println!("{err}");
        // Lenient: the frames before the cut, as the reference returns them.
        let lenient = VpdqOptions {
            lenient: true,
            ..VpdqOptions::every_frame()
        };
        let got = vpdq::hash_video(&p, &lenient).unwrap();
        let full = read_sample("doorknob-hd-no-bar.txt");
        assert!(!got.is_empty() && got.len() < full.len());
        // Cut in the header: no frame at all.
        let p = scratch("vpdq-truncated-early.mp4", &bytes[..2_000]);
        assert!(vpdq::hash_video(&p, &lenient).is_err());
    }

    #[test]
    fn limits() {
        let name = "doorknob-hd-no-bar.mp4";
        let small = VpdqOptions {
            max_pixels: 640 * 480,
            ..VpdqOptions::default()
        };
        let err = vpdq::hash_video(&video(name), &small).unwrap_err();
        assert!(matches!(err, VpdqError::TooManyPixels { .. }), "{err}");
        let short = VpdqOptions {
            max_duration_secs: 2.0,
            ..VpdqOptions::default()
        };
        let err = vpdq::hash_video(&video(name), &short).unwrap_err();
        assert!(matches!(err, VpdqError::TooLong { .. }), "{err}");
        let few = VpdqOptions {
            max_frames: 10,
            ..VpdqOptions::every_frame()
        };
        let err = vpdq::hash_video(&video(name), &few).unwrap_err();
        assert!(matches!(err, VpdqError::TooManyFrames { max: 10 }), "{err}");
        let info = vpdq::probe(&video(name), &VpdqOptions::default()).unwrap();
        assert_eq!(
            (info.width, info.height, info.frame_rate),
            (1280, 720, 30.0)
        );
        assert_eq!(info.pix_fmt.as_deref(), Some("yuv420p"));
    }
}
