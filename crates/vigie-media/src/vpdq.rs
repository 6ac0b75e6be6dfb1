//! vPDQ: Meta's video hash, a PDQ hash (with its quality) for frames of a video.
//!
//! Frames are decoded by the `ffmpeg` command-line tool, run as a subprocess (raw RGB24 frames
//! on a pipe), so no FFmpeg library is linked. Install it from the distribution's packages,
//! e.g. `apt-get install ffmpeg` on Debian/Ubuntu (the package also provides `ffprobe`, which
//! is used to read the stream's size, pixel format and frame rate). When it is missing,
//! [`hash_video`] fails with [`VpdqError::FfmpegMissing`], whose message says how to install it.
//!
//! # What is reproduced from Meta's reference (`vpdq/cpp`, used by python-threatexchange/HMA)
//!
//! * **The stream**: the first video stream of the file; its width and height (and pixel
//!   format) as the demuxer reports them. No rotation is applied (`-noautorotate`): the
//!   reference hashes the coded pixels.
//! * **Which frames**: frames are numbered 0, 1, 2… in the order the decoder outputs them, and
//!   frame `n` is hashed when `n % step == 0`, with `step = trunc(seconds_per_hash × fps)` (at
//!   least 1), `fps` being the stream's average frame rate (its `r_frame_rate` when that is
//!   unknown). `seconds_per_hash = 0` hashes every frame. The selection is done by index with
//!   FFmpeg's `select` filter (`not(mod(n, step))`) and every decoded frame is passed through
//!   (`-fps_mode passthrough`): FFmpeg's `fps` filter or its default constant-frame-rate
//!   output would pick frames by timestamp and duplicate or drop some, which the reference
//!   does not. See [`frame_step`].
//! * **Timestamps**: `frame / fps`, computed in `f32` as the reference does.
//! * **Pixels**: one libswscale conversion from the decoded pixel format to RGB24 at the
//!   stream's size (or the `downsample` size), with the reference's scaler flags
//!   ([`Scaler::Area`], i.e. `SWS_AREA`, nothing else), the BT.601 matrix libswscale uses by
//!   default (`in_color_matrix=bt601`, whatever the stream is tagged with) and the range
//!   libswscale assumes from the pixel format (full for `yuvj*`/grey formats, limited for other
//!   YUV formats, whatever the stream is tagged with): the FFmpeg CLI would otherwise follow
//!   the stream's tags, which the reference's direct `sws_getContext` call ignores.
//! * **Hash**: PDQ of the whole RGB24 frame (no 512-pixel resize), luminance in `f32`
//!   ([`crate::pdq::Luma::Cpp`]) as in the reference.
//!
//! libswscale's fast same-size YUV→RGB path has SIMD code whose rounding differs from its C
//! code, so the reference itself gives slightly different pixels on different CPUs. By default
//! FFmpeg picks the CPU's code, as the reference does; [`VpdqOptions::portable`] forces the C
//! code (`-cpuflags 0`): the same pixels on every machine, and the pixels of the reference's
//! 2022 sample hashes. See the tests in `tests/vpdq.rs` for the measured agreement.
//!
//! # Limits
//!
//! A hostile file must not exhaust memory or run forever: [`VpdqOptions`] bounds the pixels per
//! frame, the duration, the number of hashed frames and (optionally) the wall-clock time.
//! Memory is a few frame buffers at a time; the result is 48 bytes per hashed frame.
//!
//! # Text format
//!
//! [`parse_vpdq_text`] and [`write_vpdq_text`] read and write the reference's files: one line
//! per frame, `frame_number,quality,pdq_hex,timestamp_seconds` (timestamp with 3 decimals).

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use vigie_core::{Hash256, VpdqFrame};

/// Pixel-format conversion flags (libswscale's scaler) used to turn a decoded frame into RGB24.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaler {
    /// `SWS_AREA`: Meta's reference since July 2023 (what `vpdq` and HMA use today).
    #[default]
    Area,
    /// `SWS_LANCZOS`: the reference between 14 and 24 July 2023; its `-128x128` sample
    /// hashes (frames downsampled to 128×128) were made with it.
    Lanczos,
    /// `SWS_BICUBIC`: the FFmpeg CLI's default, used by the reference's first (2022) version,
    /// which piped frames out of `ffmpeg -s W:H`.
    Bicubic,
}

impl Scaler {
    /// The value of the `flags` option of FFmpeg's `scale` filter.
    pub fn ffmpeg_flags(self) -> &'static str {
        match self {
            Scaler::Area => "area",
            Scaler::Lanczos => "lanczos",
            Scaler::Bicubic => "bicubic",
        }
    }
}

/// How to decode and hash a video. [`Default`] gives the reference's settings and safe limits.
#[derive(Debug, Clone, PartialEq)]
pub struct VpdqOptions {
    /// Hash one frame every this many seconds (by frame index, see [`frame_step`]); `0.0`
    /// hashes every frame. Default `1.0`, as the reference.
    pub seconds_per_hash: f64,
    /// Scale frames to `(width, height)` before hashing (the reference's `-128x128` variants);
    /// a 0 keeps the stream's own width or height. `None` (default) keeps both.
    pub downsample: Option<(u32, u32)>,
    /// Scaler flags of the RGB24 conversion. Default [`Scaler::Area`], the reference's.
    pub scaler: Scaler,
    /// Use FFmpeg's plain C code (`-cpuflags 0`), whose pixels are the same on every CPU.
    /// Slower (decoding too). Default `false`: the CPU's SIMD code, as the reference.
    pub portable: bool,
    /// Largest `width × height` accepted, for the stream and for the hashed frames.
    /// Default 4096 × 4096.
    pub max_pixels: u64,
    /// Longest video accepted, in seconds (from the container, and enforced while decoding
    /// from frame numbers and timestamps). Default 4 hours.
    pub max_duration_secs: f64,
    /// Most frames hashed. Default 1,000,000.
    pub max_frames: u64,
    /// Stop and fail after this much wall-clock time. Default `None` (no limit).
    pub timeout: Option<Duration>,
    /// Accept a truncated or partly corrupt file and return the frames that decoded (the
    /// reference's behaviour when the container ends early). Default `false`: such a file is
    /// an error ([`VpdqError::Truncated`], [`VpdqError::Corrupt`]).
    pub lenient: bool,
    /// Threads hashing frames in parallel; 0 (default) picks up to 4 from the machine.
    pub threads: usize,
    /// The `ffmpeg` program (default `"ffmpeg"`, looked up on `PATH`).
    pub ffmpeg: PathBuf,
    /// The `ffprobe` program (default `"ffprobe"`, looked up on `PATH`).
    pub ffprobe: PathBuf,
}

impl Default for VpdqOptions {
    fn default() -> Self {
        VpdqOptions {
            seconds_per_hash: 1.0,
            downsample: None,
            scaler: Scaler::Area,
            portable: false,
            max_pixels: 4096 * 4096,
            max_duration_secs: 4.0 * 3600.0,
            max_frames: 1_000_000,
            timeout: None,
            lenient: false,
            threads: 0,
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
        }
    }
}

impl VpdqOptions {
    /// Every frame (`seconds_per_hash = 0`), as the reference's sample hashes.
    pub fn every_frame() -> Self {
        VpdqOptions {
            seconds_per_hash: 0.0,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), VpdqError> {
        if !self.seconds_per_hash.is_finite() || self.seconds_per_hash < 0.0 {
            return Err(VpdqError::InvalidOptions(format!(
                "seconds_per_hash must be a non-negative number, not {}",
                self.seconds_per_hash
            )));
        }
        if let Some((w, h)) = self.downsample {
            if (w != 0 && (w as usize) < crate::pdq::MIN_DIM)
                || (h != 0 && (h as usize) < crate::pdq::MIN_DIM)
            {
                return Err(VpdqError::InvalidOptions(format!(
                    "downsample {w}x{h}: frames under {} pixels cannot be hashed",
                    crate::pdq::MIN_DIM
                )));
            }
        }
        if self.max_duration_secs.is_nan() || self.max_duration_secs <= 0.0 {
            return Err(VpdqError::InvalidOptions(
                "max_duration_secs must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// What [`probe`] learns about the video stream that is hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// The container format as FFmpeg names it (e.g. `mov,mp4,m4a,3gp,3g2,mj2`).
    pub format: String,
    /// The stream's codec (e.g. `h264`).
    pub codec: String,
    /// Width of the stream in pixels.
    pub width: u32,
    /// Height of the stream in pixels.
    pub height: u32,
    /// Decoded pixel format (e.g. `yuv420p`), when known.
    pub pix_fmt: Option<String>,
    /// Frame rate used to select frames: the average rate, or `r_frame_rate` when unknown.
    pub frame_rate: f64,
    /// Duration in seconds, from the stream or else the container, when known.
    pub duration_secs: Option<f64>,
}

/// Why a video could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum VpdqError {
    /// `ffmpeg` or `ffprobe` is not installed.
    #[error(
        "{program} not found on PATH: install it with `apt-get install ffmpeg` (Debian/Ubuntu; \
         the package provides both ffmpeg and ffprobe) or set VpdqOptions::{field} to its path"
    )]
    FfmpegMissing {
        /// The program that could not be started.
        program: String,
        /// The option naming it (`ffmpeg` or `ffprobe`).
        field: &'static str,
    },
    /// The options are inconsistent.
    #[error("invalid vPDQ options: {0}")]
    InvalidOptions(String),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// FFmpeg does not recognise the file as audio/video at all.
    #[error("{path} is not a video FFmpeg can read: {detail}")]
    NotAVideo {
        /// The file.
        path: PathBuf,
        /// FFmpeg's message.
        detail: String,
    },
    /// The file has no video stream (audio only, subtitles…).
    #[error("{0} has no video stream")]
    NoVideoStream(PathBuf),
    /// The stream lacks something needed to hash it (size, frame rate…).
    #[error("{path}: {detail}")]
    InvalidVideo {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The container format is refused (playlists and the like can make FFmpeg read other
    /// files or the network).
    #[error("{path}: container format {format:?} is not accepted for hashing")]
    RefusedFormat {
        /// The file.
        path: PathBuf,
        /// The format FFmpeg detected.
        format: String,
    },
    /// Over [`VpdqOptions::max_pixels`].
    #[error("{width}x{height} frames are over the limit of {max} pixels")]
    TooManyPixels {
        /// Width.
        width: u64,
        /// Height.
        height: u64,
        /// The limit.
        max: u64,
    },
    /// Over [`VpdqOptions::max_duration_secs`].
    #[error("the video lasts at least {secs:.1} s, over the limit of {max} s")]
    TooLong {
        /// Known or reached duration.
        secs: f64,
        /// The limit.
        max: f64,
    },
    /// Over [`VpdqOptions::max_frames`].
    #[error("more than {max} frames to hash")]
    TooManyFrames {
        /// The limit.
        max: u64,
    },
    /// Over [`VpdqOptions::timeout`].
    #[error("decoding took longer than {0:?}")]
    Timeout(Duration),
    /// The file ends early (the container says there is more).
    #[error("truncated video: {detail} ({frames} frames decoded before the end)")]
    Truncated {
        /// Frames hashed (or delivered) before the end.
        frames: u64,
        /// FFmpeg's message.
        detail: String,
    },
    /// The decoder rejected part of the stream (the reference aborts on such errors).
    #[error("corrupt video stream: {detail} ({frames} frames decoded)")]
    Corrupt {
        /// Frames hashed (or delivered) before the error.
        frames: u64,
        /// FFmpeg's message.
        detail: String,
    },
    /// No frame could be decoded.
    #[error("no frame could be decoded from {path}{}", detail_suffix(.detail))]
    NoFrames {
        /// The file.
        path: PathBuf,
        /// FFmpeg's message, if any.
        detail: String,
    },
    /// `ffmpeg` or `ffprobe` failed for another reason.
    #[error("{program} failed ({status}): {detail}")]
    Ffmpeg {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// Its error output (first lines).
        detail: String,
    },
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// The reference's frame step: frame `n` is hashed when `n % step == 0`.
///
/// `step = trunc(seconds_per_hash × frame_rate)`, at least 1 (so `seconds_per_hash = 0`, or a
/// frame rate under one per `seconds_per_hash`, hashes every frame). At 29.97 fps and one hash
/// per second the step is 29, not 30: the reference truncates.
pub fn frame_step(seconds_per_hash: f64, frame_rate: f64) -> u64 {
    let step = seconds_per_hash * frame_rate;
    if step.is_finite() && step >= 1.0 {
        step as u64
    } else {
        1
    }
}

/// The reference's timestamp of frame `frame`: `frame / frame_rate` in `f32`.
pub fn frame_timestamp(frame: u64, frame_rate: f64) -> f64 {
    (frame as f32 / frame_rate as f32) as f64
}

/// Check that `ffmpeg` can be run; its version line (e.g. `ffmpeg version 5.1.6-0+deb12u1 …`).
pub fn ffmpeg_version(options: &VpdqOptions) -> Result<String, VpdqError> {
    let out = run_output(
        Command::new(&options.ffmpeg).args(["-hide_banner", "-version"]),
        &options.ffmpeg,
        "ffmpeg",
    )?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string())
}

fn run_output(
    cmd: &mut Command,
    program: &Path,
    field: &'static str,
) -> Result<std::process::Output, VpdqError> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(e, program, field))
}

fn spawn_error(e: io::Error, program: &Path, field: &'static str) -> VpdqError {
    if e.kind() == io::ErrorKind::NotFound {
        VpdqError::FfmpegMissing {
            program: program.display().to_string(),
            field,
        }
    } else {
        VpdqError::Ffmpeg {
            program: program.display().to_string(),
            status: "not started".into(),
            detail: e.to_string(),
        }
    }
}

/// FFmpeg's argument for a local file: the `file:` protocol, so that a name such as
/// `concat:…` or `http://…` or one starting with `-` is never taken for anything else.
fn file_url(path: &Path) -> Result<String, VpdqError> {
    let abs = std::path::absolute(path).map_err(|source| VpdqError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let s = abs.to_str().ok_or_else(|| VpdqError::Io {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path is not UTF-8"),
    })?;
    Ok(format!("file:{s}"))
}

/// Demuxers that read other files or the network (playlists, manifests, session
/// descriptions) or that are not media: a file detected as one of these is refused.
const REFUSED_FORMATS: &[&str] = &[
    "hls",
    "applehttp",
    "concat",
    "dash",
    "webm_dash_manifest",
    "sdp",
    "rtp",
    "rtsp",
    "ffmetadata",
    "tee",
    "lavfi",
    "data",
    "bin",
    "tty",
];

fn first_lines(bytes: &[u8], max_lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = lines
        .iter()
        .take(max_lines)
        .copied()
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > max_lines {
        out.push_str(&format!("; … ({} more lines)", lines.len() - max_lines));
    }
    out
}

fn parse_rate(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let n: f64 = n.trim().parse().ok()?;
    let d: f64 = d.trim().parse().ok()?;
    if n == 0.0 || d == 0.0 || !n.is_finite() || !d.is_finite() {
        return None;
    }
    Some(n / d)
}

fn positive(s: Option<&String>) -> Option<f64> {
    s.and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// Read the first video stream's size, pixel format and frame rate with `ffprobe`.
pub fn probe(path: &Path, options: &VpdqOptions) -> Result<VideoInfo, VpdqError> {
    std::fs::metadata(path).map_err(|source| VpdqError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let url = file_url(path)?;
    let out = run_output(
        Command::new(&options.ffprobe).args([
            "-hide_banner",
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,\
             duration:format=format_name,duration",
            "-of",
            "flat",
            &url,
        ]),
        &options.ffprobe,
        "ffprobe",
    )?;
    let stderr = first_lines(&out.stderr, 4);
    if !out.status.success() {
        return Err(VpdqError::NotAVideo {
            path: path.to_path_buf(),
            detail: if stderr.is_empty() {
                format!("ffprobe exited with {}", out.status)
            } else {
                stderr
            },
        });
    }
    let mut stream = std::collections::HashMap::new();
    let mut format = std::collections::HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        if let Some(k) = key.strip_prefix("streams.stream.0.") {
            stream.insert(k.to_string(), value);
        } else if let Some(k) = key.strip_prefix("format.") {
            format.insert(k.to_string(), value);
        }
    }
    let format_name = format.get("format_name").cloned().unwrap_or_default();
    if format_name
        .split(',')
        .any(|f| REFUSED_FORMATS.contains(&f.trim()))
    {
        return Err(VpdqError::RefusedFormat {
            path: path.to_path_buf(),
            format: format_name,
        });
    }
    if stream.get("codec_type").map(String::as_str) != Some("video") {
        return Err(VpdqError::NoVideoStream(path.to_path_buf()));
    }
    let invalid = |detail: &str| VpdqError::InvalidVideo {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    let dim = |k: &str| {
        stream
            .get(k)
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&v| v > 0)
    };
    let (Some(width), Some(height)) = (dim("width"), dim("height")) else {
        return Err(invalid("the video stream has no width or height"));
    };
    let frame_rate = stream
        .get("avg_frame_rate")
        .and_then(|r| parse_rate(r))
        .or_else(|| stream.get("r_frame_rate").and_then(|r| parse_rate(r)))
        .ok_or_else(|| invalid("the video stream's frame rate is unknown or zero"))?;
    Ok(VideoInfo {
        format: format_name,
        codec: stream.get("codec_name").cloned().unwrap_or_default(),
        width,
        height,
        pix_fmt: stream
            .get("pix_fmt")
            .filter(|p| !p.is_empty() && p.as_str() != "unknown")
            .cloned(),
        frame_rate,
        duration_secs: positive(stream.get("duration")).or(positive(format.get("duration"))),
    })
}

/// libswscale's input range for a pixel format, as `sws_getContext` assumes it: full for the
/// `yuvj*` and grey formats, limited for the other YUV formats, none for RGB.
fn input_range(pix_fmt: Option<&str>) -> Option<&'static str> {
    let p = pix_fmt?;
    if p.starts_with("yuvj")
        || p.starts_with("gray")
        || p.starts_with("ya8")
        || p.starts_with("ya16")
    {
        return Some("pc");
    }
    const YUV: &[&str] = &[
        "yuv", "nv1", "nv2", "nv4", "p01", "p21", "p41", "yuyv", "uyvy", "yvyu", "y21", "xv3",
        "ayuv", "vuy", "uyyvyy", "y41",
    ];
    YUV.iter().any(|y| p.starts_with(y)).then_some("tv")
}

/// One selected frame, as RGB24.
#[derive(Debug)]
pub struct DecodedFrame<'a> {
    /// Index of the frame in decoding order (0-based), as the reference numbers it.
    pub index: u64,
    /// The reference's timestamp: `index / frame_rate` (in `f32`).
    pub timestamp: f64,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major RGB24 pixels, `width × height × 3` bytes.
    pub rgb: &'a [u8],
}

/// How a decoding run ended, for [`hash_video`]'s error reporting.
struct RunEnd {
    status: ExitStatus,
    stderr: Vec<u8>,
}

/// Decode the frames selected by `options` and hand each to `visit`, in order.
///
/// This is [`hash_video`] without the hashing, for other per-frame work. Returns the probed
/// stream description. On [`VpdqError::Truncated`] or [`VpdqError::Corrupt`] the frames before
/// the problem have already been visited.
pub fn decode_frames(
    path: &Path,
    options: &VpdqOptions,
    mut visit: impl FnMut(DecodedFrame<'_>),
) -> Result<VideoInfo, VpdqError> {
    options.check()?;
    let info = probe(path, options)?;
    let limit_pixels = |w: u64, h: u64| {
        if w.saturating_mul(h) > options.max_pixels {
            Err(VpdqError::TooManyPixels {
                width: w,
                height: h,
                max: options.max_pixels,
            })
        } else {
            Ok(())
        }
    };
    limit_pixels(info.width as u64, info.height as u64)?;
    let (mut width, mut height) = (info.width, info.height);
    if let Some((w, h)) = options.downsample {
        if w > 0 {
            width = w;
        }
        if h > 0 {
            height = h;
        }
    }
    limit_pixels(width as u64, height as u64)?;
    if (width as usize) < crate::pdq::MIN_DIM || (height as usize) < crate::pdq::MIN_DIM {
        return Err(VpdqError::InvalidVideo {
            path: path.to_path_buf(),
            detail: format!(
                "{width}x{height} frames are too small to hash (under {} pixels)",
                crate::pdq::MIN_DIM
            ),
        });
    }
    if let Some(d) = info.duration_secs {
        if d > options.max_duration_secs {
            return Err(VpdqError::TooLong {
                secs: d,
                max: options.max_duration_secs,
            });
        }
    }
    let step = frame_step(options.seconds_per_hash, info.frame_rate);

    let mut use_fps_mode = true;
    loop {
        let mut delivered = 0u64;
        let result = run_ffmpeg(
            path,
            options,
            &info,
            (width, height),
            step,
            use_fps_mode,
            &mut |rgb| {
                let index = delivered * step;
                delivered += 1;
                visit(DecodedFrame {
                    index,
                    timestamp: frame_timestamp(index, info.frame_rate),
                    width: width as usize,
                    height: height as usize,
                    rgb,
                });
            },
        );
        let end = result?;
        let stderr_text = String::from_utf8_lossy(&end.stderr);
        if use_fps_mode && delivered == 0 && stderr_text.contains("Unrecognized option 'fps_mode'")
        {
            // FFmpeg before 5.1: the same setting is called -vsync.
            use_fps_mode = false;
            continue;
        }
        classify_end(path, options, &end, delivered)?;
        return Ok(info);
    }
}

fn classify_end(
    path: &Path,
    options: &VpdqOptions,
    end: &RunEnd,
    frames: u64,
) -> Result<(), VpdqError> {
    let text = String::from_utf8_lossy(&end.stderr);
    let find = |needles: &[&str]| {
        text.lines()
            .find(|l| {
                let l = l.to_ascii_lowercase();
                needles.iter().any(|n| l.contains(n))
            })
            .map(|l| l.trim().to_string())
    };
    if !end.status.success() {
        if frames == 0 {
            if let Some(line) = find(&["invalid data found", "moov atom not found"]) {
                return Err(VpdqError::NotAVideo {
                    path: path.to_path_buf(),
                    detail: line,
                });
            }
        }
        return Err(VpdqError::Ffmpeg {
            program: options.ffmpeg.display().to_string(),
            status: end.status.to_string(),
            detail: first_lines(&end.stderr, 6),
        });
    }
    if frames == 0 {
        return Err(VpdqError::NoFrames {
            path: path.to_path_buf(),
            detail: first_lines(&end.stderr, 4),
        });
    }
    if options.lenient {
        return Ok(());
    }
    if let Some(detail) = find(&["partial file", "truncat", "unexpected end", "premature end"]) {
        return Err(VpdqError::Truncated { frames, detail });
    }
    if let Some(detail) = find(&["error while decoding", "decoding error"]) {
        return Err(VpdqError::Corrupt { frames, detail });
    }
    Ok(())
}

/// Read exactly `buf.len()` bytes; `Ok(false)` at a clean end of stream (no byte read).
fn read_frame(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => {
                return if filled == 0 {
                    Ok(false)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "ffmpeg's output ended inside a frame",
                    ))
                };
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Kills the child when dropped (early return, panic in the visitor).
struct KillOnDrop(Arc<Mutex<Child>>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(mut c) = self.0.lock() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn run_ffmpeg(
    path: &Path,
    options: &VpdqOptions,
    info: &VideoInfo,
    (width, height): (u32, u32),
    step: u64,
    use_fps_mode: bool,
    on_frame: &mut dyn FnMut(&[u8]),
) -> Result<RunEnd, VpdqError> {
    let mut filters = Vec::new();
    if step > 1 {
        filters.push(format!("select=not(mod(n\\,{step}))"));
    }
    let mut scale = format!(
        "scale=w={width}:h={height}:flags={}:in_color_matrix=bt601",
        options.scaler.ffmpeg_flags()
    );
    if let Some(range) = input_range(info.pix_fmt.as_deref()) {
        scale.push_str(":in_range=");
        scale.push_str(range);
    }
    filters.push(scale);
    let demuxer = info
        .format
        .split(',')
        .next()
        .unwrap_or_default()
        .to_string();
    // Frames past max_frames / max_duration are not needed: one more than the limit tells
    // that it was reached.
    let max_out = options.max_frames.saturating_add(1);
    let t_limit = options.max_duration_secs + 1.0;

    let mut cmd = Command::new(&options.ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-v", "error"]);
    if options.portable {
        cmd.args(["-cpuflags", "0"]);
    }
    cmd.args(["-protocol_whitelist", "file", "-noautorotate"]);
    if !demuxer.is_empty() {
        cmd.args(["-f", &demuxer]);
    }
    cmd.arg("-t").arg(format!("{t_limit}"));
    cmd.arg("-i").arg(file_url(path)?);
    cmd.args(["-map", "0:v:0", "-an", "-sn", "-dn"]);
    cmd.args([
        if use_fps_mode { "-fps_mode" } else { "-vsync" },
        "passthrough",
    ]);
    cmd.arg("-vf").arg(filters.join(","));
    cmd.arg("-frames:v").arg(max_out.to_string());
    cmd.args(["-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let mut child = cmd
        .spawn()
        .map_err(|e| spawn_error(e, &options.ffmpeg, "ffmpeg"))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let child = Arc::new(Mutex::new(child));
    let guard = KillOnDrop(Arc::clone(&child));

    // Drain stderr so that FFmpeg never blocks on it; keep the first 64 KiB.
    let stderr_thread = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut r = stderr;
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = (64 * 1024usize).saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        kept
    });

    // Watchdog for the wall-clock limit.
    let timed_out = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = options.timeout.map(|limit| {
        let child = Arc::clone(&child);
        let timed_out = Arc::clone(&timed_out);
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit) {
                timed_out.store(true, Ordering::SeqCst);
                if let Ok(mut c) = child.lock() {
                    let _ = c.kill();
                }
            }
        })
    });

    let frame_bytes = width as usize * height as usize * 3;
    let mut buf = vec![0u8; frame_bytes];
    let mut frames = 0u64;
    let mut outcome: Result<(), VpdqError> = Ok(());
    loop {
        match read_frame(&mut stdout, &mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if !timed_out.load(Ordering::SeqCst) {
                    outcome = Err(VpdqError::Ffmpeg {
                        program: options.ffmpeg.display().to_string(),
                        status: "output cut".into(),
                        detail: e.to_string(),
                    });
                }
                break;
            }
        }
        let index = frames * step;
        if frames >= options.max_frames || index > u64::from(u32::MAX) {
            outcome = Err(VpdqError::TooManyFrames {
                max: options.max_frames.min(u64::from(u32::MAX)),
            });
            break;
        }
        let secs = frame_timestamp(index, info.frame_rate);
        if secs > options.max_duration_secs {
            outcome = Err(VpdqError::TooLong {
                secs,
                max: options.max_duration_secs,
            });
            break;
        }
        frames += 1;
        on_frame(&buf);
    }
    drop(done_tx);
    if let Some(w) = watchdog {
        let _ = w.join();
    }
    if timed_out.load(Ordering::SeqCst) {
        return Err(VpdqError::Timeout(options.timeout.unwrap_or_default()));
    }
    outcome?;
    drop(stdout);
    let status = {
        let mut c = child.lock().expect("child lock");
        c.wait().map_err(|e| VpdqError::Ffmpeg {
            program: options.ffmpeg.display().to_string(),
            status: "unknown".into(),
            detail: e.to_string(),
        })?
    };
    drop(guard);
    let stderr = stderr_thread.join().unwrap_or_default();
    Ok(RunEnd { status, stderr })
}

/// PDQ of one RGB24 frame, with the luminance in `f32` as the vPDQ reference computes it.
fn hash_frame(width: usize, height: usize, rgb: &[u8]) -> crate::pdq::Pdq {
    crate::pdq::hash_rgb_with(width, height, rgb, crate::pdq::Luma::Cpp)
}

/// Hash a video file: the PDQ hash and quality of each selected frame, in frame order.
///
/// With [`VpdqOptions::default`] this is the reference's `vpdq` (one frame per second, native
/// size, `SWS_AREA`); [`VpdqOptions::every_frame`] hashes every frame as the sample hashes do.
pub fn hash_video(path: &Path, options: &VpdqOptions) -> Result<Vec<VpdqFrame>, VpdqError> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4),
        n => n,
    };
    let mut out = Vec::new();
    if threads <= 1 {
        let info = decode_frames(path, options, |f| {
            let p = hash_frame(f.width, f.height, f.rgb);
            out.push(VpdqFrame {
                frame: f.index as u32,
                quality: p.quality,
                hash: p.hash,
                timestamp: f.timestamp,
            });
        });
        info?;
    } else {
        // Frames go to `threads` hashing workers through a bounded queue, so that at most
        // about 2 × threads frames are in memory at once.
        type Job = (u64, f64, usize, usize, Vec<u8>);
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(threads);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel::<VpdqFrame>();
        let info = std::thread::scope(|s| {
            for _ in 0..threads {
                let job_rx = Arc::clone(&job_rx);
                let res_tx = res_tx.clone();
                s.spawn(move || loop {
                    let job = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((index, timestamp, w, h, rgb))) = job else {
                        break;
                    };
                    let p = hash_frame(w, h, &rgb);
                    let _ = res_tx.send(VpdqFrame {
                        frame: index as u32,
                        quality: p.quality,
                        hash: p.hash,
                        timestamp,
                    });
                });
            }
            // Only the workers hold the receiver: if they all stop, sending fails instead of
            // blocking.
            drop(job_rx);
            drop(res_tx);
            let info = decode_frames(path, options, |f| {
                let _ = job_tx.send((f.index, f.timestamp, f.width, f.height, f.rgb.to_vec()));
            });
            drop(job_tx);
            info
        });
        out.extend(res_rx.try_iter());
        out.sort_by_key(|f| f.frame);
        info?;
    }
    Ok(out)
}

/// A line of a vPDQ text file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vPDQ line {line}: {message}")]
pub struct VpdqParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse the reference's text format: `frame,quality,pdq_hex,timestamp` per line.
///
/// Blank lines are skipped; fields may be surrounded by spaces; quality must be 0..=100.
pub fn parse_vpdq_text(text: &str) -> Result<Vec<VpdqFrame>, VpdqParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let err = |message: String| VpdqParseError {
            line: i + 1,
            message,
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 4 {
            return Err(err(format!(
                "expected 4 comma-separated fields (frame,quality,pdq_hex,timestamp), found {}",
                fields.len()
            )));
        }
        let frame: u32 = fields[0]
            .parse()
            .map_err(|_| err(format!("frame number {:?} is not a number", fields[0])))?;
        let quality: u8 = fields[1]
            .parse()
            .ok()
            .filter(|q| *q <= 100)
            .ok_or_else(|| err(format!("quality {:?} is not in 0..=100", fields[1])))?;
        let hash: Hash256 = fields[2].parse().map_err(|e| err(format!("{e}")))?;
        let timestamp: f64 = fields[3]
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| err(format!("timestamp {:?} is not a number >= 0", fields[3])))?;
        out.push(VpdqFrame {
            frame,
            quality,
            hash,
            timestamp,
        });
    }
    Ok(out)
}

/// The reference's text format of `frames` (one line each, `\n`-terminated).
pub fn write_vpdq_text(frames: &[VpdqFrame]) -> String {
    let mut s = String::with_capacity(frames.len() * 80);
    for f in frames {
        s.push_str(&VpdqLine(f).to_string());
        s.push('\n');
    }
    s
}

/// One frame in the reference's text format (no line end).
pub struct VpdqLine<'a>(pub &'a VpdqFrame);

impl fmt::Display for VpdqLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(f, "{},{},{},{:.3}", v.frame, v.quality, v.hash, v.timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_truncates_like_the_reference() {
        assert_eq!(frame_step(1.0, 30.0), 30);
        assert_eq!(frame_step(1.0, 30000.0 / 1001.0), 29);
        assert_eq!(frame_step(0.0, 30.0), 1);
        assert_eq!(frame_step(1.0, 0.5), 1);
        assert_eq!(frame_step(2.5, 24.0), 60);
    }

    #[test]
    fn timestamps_are_f32() {
        assert_eq!(format!("{:.3}", frame_timestamp(1, 30.0)), "0.033");
        assert_eq!(format!("{:.3}", frame_timestamp(2, 30.0)), "0.067");
        assert_eq!(frame_timestamp(3, 30.0), (3.0f32 / 30.0f32) as f64);
    }

    #[test]
    fn ranges_follow_the_pixel_format() {
        assert_eq!(input_range(Some("yuv420p")), Some("tv"));
        assert_eq!(input_range(Some("yuvj420p")), Some("pc"));
        assert_eq!(input_range(Some("nv12")), Some("tv"));
        assert_eq!(input_range(Some("gray")), Some("pc"));
        assert_eq!(input_range(Some("rgb24")), None);
        assert_eq!(input_range(None), None);
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("30/1"), Some(30.0));
        assert_eq!(parse_rate("0/0"), None);
        assert!((parse_rate("30000/1001").unwrap() - 29.97).abs() < 0.01);
    }
}
