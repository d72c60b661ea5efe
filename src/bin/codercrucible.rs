fn main() -> std::process::ExitCode {
    codercrucible::cmd::front::main()
}
