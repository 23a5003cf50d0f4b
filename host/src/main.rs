//! The `switchboard` command; see [`switchboard::cli`].

fn main() -> anyhow::Result<()> {
    switchboard::cli::main()
}
