//! The `techmarket` binary. Everything lives in the library; see `techmarket_cli::run`.

fn main() -> std::process::ExitCode {
    techmarket_cli::run()
}
