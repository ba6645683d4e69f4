//! `core`: the CoreSDK command-line tool.
//!
//! Thin by design: argument parsing and exit codes here, the work in
//! `coresdk::egress::viewer` and `coresdk::config`.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use coresdk::Config;
use coresdk::egress::viewer::{self, LlmTail, Tail, TailOptions, TraceTail, Viewer};
use coresdk::egress::{escape_controls, escape_controls_multiline, resolve_socket_path};

/// Exit code for a policy that denies.
const EXIT_DENY: u8 = 1;
/// Exit code for invalid input, configuration or policy (clap uses 2 for usage errors too).
const EXIT_INVALID: u8 = 2;
/// Exit code for an I/O failure (socket, output).
const EXIT_IO: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "core",
    version,
    about = "CoreSDK: local trace viewer, LLM diagnostics and configuration tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Live view of the spans of traced programs on this host.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// LLM diagnostic payloads, egress denials and analyses.
    #[command(subcommand)]
    Llm(LlmCommand),
    /// Egress policy tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum TraceCommand {
    /// Listen on the local socket and print arriving spans as a tree per trace.
    Tail(TailArgs),
}

#[derive(Debug, Subcommand)]
enum LlmCommand {
    /// Listen on the local socket and print diagnostic payloads, denials and analyses.
    Tail(TailArgs),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Evaluate an egress policy on a payload and print the decision and why.
    Test {
        /// The `.rego` file.
        #[arg(long)]
        policy: PathBuf,
        /// A payload JSON file (or a `dev.coresdk.llm.diagnostic` event).
        #[arg(long)]
        input: PathBuf,
        /// The package to query (`acme/llm`); default: the file's own package.
        #[arg(long)]
        package: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Resolve the configuration and print every value with where it came from.
    Validate {
        /// The YAML file (default: `CORESDK_CONFIG`, else `./coresdk-sidecar.yaml`).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct TailArgs {
    /// Socket path (default: `CORESDK_SOCKET`, the config's `socket`, else the per-user default).
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Print raw CloudEvents JSON lines.
    #[arg(long)]
    json: bool,
    /// Only show events from this service.name.
    #[arg(long)]
    service: Option<String>,
    /// Only show failed traces.
    #[arg(long)]
    errors_only: bool,
    /// Never use colors.
    #[arg(long)]
    no_color: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Trace(TraceCommand::Tail(args)) => {
            let mut tail = TraceTail::new(tail_options(&args));
            tail_loop(&args, &mut tail)
        }
        Command::Llm(LlmCommand::Tail(args)) => {
            let mut tail = LlmTail::new(tail_options(&args));
            tail_loop(&args, &mut tail)
        }
        Command::Policy(PolicyCommand::Test {
            policy,
            input,
            package,
        }) => match viewer::policy_test(&policy, &input, package.as_deref()) {
            Ok(report) => {
                print!("{report}");
                if report.decision.allow {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(EXIT_DENY)
                }
            }
            Err(err) => {
                eprintln!(
                    "core policy test: {}",
                    escape_controls_multiline(&err.to_string())
                );
                ExitCode::from(EXIT_INVALID)
            }
        },
        Command::Config(ConfigCommand::Validate { config }) => {
            let builder = Config::builder();
            let builder = match config {
                Some(path) => builder.with_config_file(path),
                None => builder,
            };
            // The same checks as `instrument()`: values, then PII rules,
            // egress policy and endpoint.
            let checked = builder
                .build()
                .map_err(coresdk::SetupError::from)
                .and_then(|cfg| coresdk::check_config(&cfg).map(|()| cfg));
            match checked {
                Ok(cfg) => {
                    if let Err(err) = coresdk::genai::pricing_from_config(cfg.genai()) {
                        eprintln!("core config validate: {err}");
                        return ExitCode::from(EXIT_INVALID);
                    }
                    match cfg.file() {
                        Some(f) => println!(
                            "# configuration file: {}",
                            escape_controls(&f.display().to_string())
                        ),
                        None => println!("# no configuration file"),
                    }
                    for value in cfg.resolved_values() {
                        println!("{}", escape_controls(&value.to_string()));
                    }
                    for notice in cfg.notices() {
                        println!("# note: {notice}");
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!(
                        "core config validate: {}",
                        escape_controls_multiline(&err.to_string())
                    );
                    ExitCode::from(EXIT_INVALID)
                }
            }
        }
    }
}

fn tail_options(args: &TailArgs) -> TailOptions {
    TailOptions::new()
        .with_json(args.json)
        .with_service(args.service.clone())
        .with_errors_only(args.errors_only)
        .with_color(!args.no_color && !args.json && io::stdout().is_terminal())
}

fn tail_loop(args: &TailArgs, tail: &mut dyn Tail) -> ExitCode {
    let path = args.socket.clone().unwrap_or_else(|| {
        // The same resolution as the SDK: CORESDK_SOCKET / config `socket`, else the default.
        let configured = Config::load()
            .ok()
            .and_then(|c| c.socket().map(PathBuf::from));
        resolve_socket_path(configured.as_deref())
    });
    let viewer = match Viewer::listen(&path) {
        Ok(v) => v,
        Err(err) => {
            eprintln!("core: {}", escape_controls_multiline(&err.to_string()));
            return ExitCode::from(EXIT_IO);
        }
    };
    eprintln!(
        "listening on {}",
        escape_controls(&viewer.path().display().to_string())
    );
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut notices = io::stderr();
    match viewer::run_tail_reporting(&viewer, tail, &mut out, &mut notices, || false) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("core: {}", escape_controls_multiline(&err.to_string()));
            ExitCode::from(EXIT_IO)
        }
    }
}
