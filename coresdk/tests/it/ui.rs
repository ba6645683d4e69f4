//! Compile-time behaviour of `#[trace]`: what must not compile, and the
//! exact compiler messages for it, each pointing at the offending token.
//!
//! Every case is a crate in `tests/ui/fail/` with the expected compiler
//! output beside it (`<case>.stderr`). The case is type-checked by the same
//! `rustc`, against the same `coresdk` rlib and dependencies, that built this
//! test binary: `coresdk_compiler_args::compiler_args!` reads them from the
//! compiler's command line. Nothing is built a second time, where trybuild
//! type-checked `coresdk`'s whole dependency tree again in a target
//! directory of its own (about a minute of every fresh `cargo test`).
//!
//! What must compile and run is tested by ordinary tests
//! (`trace_hygiene`, `attributes_kept`) and the `trace` docs.
//!
//! Regenerate the expected output with
//! `CORESDK_UI=overwrite cargo test -p coresdk --test it ui::`, then read
//! the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The compiler that built this test and its command line.
const COMPILER: (&str, &[&str]) = coresdk_compiler_args::compiler_args!();

/// Lines rustc ends its output with that say nothing about the case.
const SUMMARY_LINES: [&str; 4] = [
    "error: aborting due to ",
    "For more information about this error, try `rustc --explain",
    "Some errors have detailed explanations:",
    "For more information about an error, try `rustc --explain",
];

#[test]
fn compile_fail_cases_print_the_expected_errors() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.parent().expect("the crate is in the workspace");
    let cases = cases(&crate_dir.join("tests/ui/fail"));
    assert!(cases.len() >= 17, "found only {} cases", cases.len());
    let out_dir = tempfile::tempdir().expect("tempdir");
    let flags = flags(COMPILER.1);
    let overwrite = std::env::var("CORESDK_UI").is_ok_and(|mode| mode == "overwrite");

    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let outputs: Vec<(PathBuf, Result<String, String>)> = std::thread::scope(|scope| {
        let chunks = cases.chunks(cases.len().div_ceil(workers));
        let handles: Vec<_> = chunks
            .map(|chunk| {
                let (flags, out_dir) = (&flags, out_dir.path());
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|case| (case.clone(), check(case, flags, out_dir, workspace)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a case thread panicked"))
            .collect()
    });

    let mut failures = Vec::new();
    for (case, output) in outputs {
        let name = case.display();
        let stderr = match output {
            Ok(stderr) => normalize(&stderr, crate_dir, workspace),
            Err(why) => {
                failures.push(format!("{name}: {why}"));
                continue;
            }
        };
        let expected_file = case.with_extension("stderr");
        if overwrite {
            std::fs::write(&expected_file, &stderr).expect("write the .stderr file");
            continue;
        }
        match std::fs::read_to_string(&expected_file) {
            Ok(expected) if expected == stderr => {}
            Ok(expected) => failures.push(format!(
                "{name}: the compiler's messages changed\n--- expected ({})\n{expected}--- actual\n{stderr}",
                expected_file.display()
            )),
            Err(error) => failures.push(format!(
                "{name}: no expected output ({error}); the compiler said\n{stderr}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n(after an intended change: CORESDK_UI=overwrite cargo test -p coresdk --test it ui::)",
        failures.join("\n\n")
    );
}

/// The `.rs` files of `dir`, in name order (the order of any report).
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/ui/fail exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    cases.sort();
    cases
}

/// From the command line that built this test, what a case needs to resolve
/// `coresdk` the same way: the dependency search paths, `--extern coresdk`,
/// the edition and the target (a test built for another target links that
/// target's rlibs).
fn flags(args: &[&str]) -> Vec<String> {
    let mut flags = Vec::new();
    let mut args = args.iter().copied();
    while let Some(arg) = args.next() {
        match arg {
            "-L" | "--target" | "--sysroot" | "--edition" => {
                if let Some(value) = args.next() {
                    flags.extend([arg.to_owned(), value.to_owned()]);
                }
            }
            "--extern" => {
                if let Some(value) = args.next().filter(|value| value.starts_with("coresdk=")) {
                    flags.extend([arg.to_owned(), value.to_owned()]);
                }
            }
            _ if ["-L", "--target=", "--sysroot=", "--edition="]
                .iter()
                .any(|prefix| arg.starts_with(prefix)) =>
            {
                flags.push(arg.to_owned());
            }
            _ if arg.starts_with("--extern=coresdk=") => flags.push(arg.to_owned()),
            _ => {}
        }
    }
    flags
}

/// Type-checks one case; its diagnostics if it fails to compile, as it must.
fn check(
    case: &Path,
    flags: &[String],
    out_dir: &Path,
    workspace: &Path,
) -> Result<String, String> {
    let name = case
        .file_stem()
        .and_then(|stem| stem.to_str())
        .ok_or("case file names are UTF-8")?;
    let output = Command::new(COMPILER.0)
        .args(flags)
        .args([
            "--crate-type=bin",
            "--emit=metadata",
            "--error-format=human",
        ])
        .args(["--color=never", "--crate-name", name, "--out-dir"])
        .arg(out_dir)
        .arg(case)
        // Workspace members are compiled with paths relative to the
        // workspace: from there rustc finds `coresdk`'s sources to quote.
        .current_dir(workspace)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", COMPILER.0))?;
    if output.status.success() {
        return Err("compiled, but must not".to_owned());
    }
    Ok(String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Makes rustc's output independent of where the checkout is and of line
/// numbers outside the case file:
/// - the case's own path is shown relative to the crate, as a user sees it;
/// - a snippet from another file (the `coresdk` sources, the standard
///   library, a registry crate) keeps its file name but not its line
///   numbers, so editing `coresdk` does not change every expected output;
/// - each diagnostic's line-number gutter is then as wide as the numbers
///   left in it;
/// - rustc's closing summary lines and trailing spaces are dropped.
fn normalize(raw: &str, crate_dir: &Path, workspace: &Path) -> String {
    let crate_dir = format!("{}/", crate_dir.display());
    let workspace_dir = format!("{}/", workspace.display());
    let mut lines: Vec<Line> = Vec::new();
    // Within a snippet from outside the case file: hide its line numbers.
    let mut outside = false;
    for line in raw.lines() {
        if SUMMARY_LINES.iter().any(|prefix| line.starts_with(prefix)) {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        if let Some(path) = rest
            .strip_prefix("--> ")
            .or_else(|| rest.strip_prefix("::: "))
        {
            let marker = &rest[..4];
            let shown = if let Some(relative) = path.strip_prefix(&crate_dir) {
                outside = false;
                relative.to_owned()
            } else {
                outside = true;
                other_file(strip_line_and_column(path), &workspace_dir, workspace)
            };
            lines.push(Line {
                text: format!("{}{marker}{shown}", " ".repeat(indent)),
                numbered: false,
            });
            continue;
        }
        let mut text = line.trim_end().to_owned();
        let gutter = text.trim_start().chars().next();
        let numbered_gutter = matches!(gutter, Some('0'..='9' | '|' | '.'));
        if outside && numbered_gutter {
            let digits = text
                .bytes()
                .take_while(|b| *b == b' ' || b.is_ascii_digit())
                .count();
            text.replace_range(..digits, &" ".repeat(digits));
        } else {
            outside = false;
        }
        let numbered = gutter.is_some_and(|c| c.is_ascii_digit());
        text = text
            .replace(&crate_dir, "$DIR/")
            .replace(&workspace_dir, "$WORKSPACE/");
        lines.push(Line { text, numbered });
    }
    narrow_gutters(&mut lines);

    let mut normalized = lines
        .into_iter()
        .map(|line| line.text)
        .collect::<Vec<_>>()
        .join("\n");
    normalized.truncate(normalized.trim_end().len());
    normalized.push('\n');
    normalized
}

/// One output line, and whether it still shows a source line number.
struct Line {
    text: String,
    numbered: bool,
}

/// `path:12:5` → `path`.
fn strip_line_and_column(path: &str) -> &str {
    let mut path = path;
    for _ in 0..2 {
        if let Some((head, tail)) = path.rsplit_once(':')
            && !tail.is_empty()
            && tail.bytes().all(|b| b.is_ascii_digit())
        {
            path = head;
        }
    }
    path
}

/// A file outside the cases, named by where it is rather than by machine
/// paths: `$WORKSPACE/…`, `$RUST/…` (the standard library) or `$CARGO/…`
/// (a registry crate).
fn other_file(path: &str, workspace_dir: &str, workspace: &Path) -> String {
    if let Some(relative) = path.strip_prefix(workspace_dir) {
        return format!("$WORKSPACE/{relative}");
    }
    // Workspace members are compiled with paths relative to the workspace.
    if !path.starts_with('/') && workspace.join(path).exists() {
        return format!("$WORKSPACE/{path}");
    }
    if let Some((_, library)) = path.split_once("/rustlib/src/rust/library/") {
        return format!("$RUST/{library}");
    }
    if let Some((_, registry)) = path.split_once("/registry/src/")
        && let Some((_, krate)) = registry.split_once('/')
    {
        return format!("$CARGO/{krate}");
    }
    path.to_owned()
}

/// rustc pads a diagnostic's whole gutter to its widest line number, which
/// may be in a snippet whose numbers are now hidden: narrow each diagnostic's
/// gutter to the numbers it still shows.
fn narrow_gutters(lines: &mut [Line]) {
    let is_heading = |text: &str| {
        ["error", "warning"].iter().any(|kind| {
            text.strip_prefix(kind)
                .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('['))
        })
    };
    let mut start = 0;
    while start < lines.len() {
        let end = lines[start + 1..]
            .iter()
            .position(|line| is_heading(&line.text))
            .map_or(lines.len(), |offset| start + 1 + offset);
        let block = &mut lines[start..end];
        start = end;

        // The gutter width is where `-->` starts.
        let Some(width) = block.iter().find_map(|line| {
            let indent = line.text.len() - line.text.trim_start().len();
            line.text[indent..].starts_with("--> ").then_some(indent)
        }) else {
            continue;
        };
        let Some(needed) = block
            .iter()
            .filter(|line| line.numbered)
            .map(|line| {
                let text = line.text.trim_start();
                text.bytes().take_while(u8::is_ascii_digit).count()
            })
            .max()
        else {
            continue;
        };
        let excess = width.saturating_sub(needed);
        if excess == 0 {
            continue;
        }
        for line in block.iter_mut() {
            // Remove the excess at the first space: after a line number,
            // or from the indentation of every other gutter line.
            if let Some(space) = line.text.find(' ')
                && line.text[space..].len() > excess
                && line.text[space..space + excess].bytes().all(|b| b == b' ')
                && space < width
            {
                line.text.replace_range(space..space + excess, "");
            }
        }
    }
}
