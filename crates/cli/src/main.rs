//! The `techmarket` binary. Everything lives in the library; see `techmarket_cli::run`.

/// mimalloc: imports and the server allocate and free many small strings across threads, where
/// it is markedly faster than the system allocator (see `techmarket bench import`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    techmarket_cli::run()
}
