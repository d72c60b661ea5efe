fn main() -> std::process::ExitCode {
    codercrucible::cmd::extract::main()
}
