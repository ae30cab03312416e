import ArgumentParser

/// The flag of every command that reads a private key: whether a key file that others may read is used anyway.
struct KeyPermissionOptions: ParsableArguments {
    @Flag(
        help: """
            Use a private key file even when its group or other users may read it. By default such a key is \
            refused, as ssh refuses one: fix it with chmod 600 FILE.
            """)
    var allowInsecureKeyPermissions = false
}
