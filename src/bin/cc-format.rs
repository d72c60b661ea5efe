fn main() -> std::process::ExitCode {
    codercrucible::cmd::format::main()
}
