fn main() -> std::process::ExitCode {
    codercrucible::cmd::index::main()
}
