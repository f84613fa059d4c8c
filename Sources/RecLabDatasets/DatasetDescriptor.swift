import Foundation

/// Describes a downloadable data set: where its zip lives and which files it must unpack to.
public struct DatasetDescriptor: Sendable, Hashable {
    /// One file the data set must contain, with its published SHA-256 checksum.
    public struct ExpectedFile: Sendable, Hashable {
        /// The file's name inside the data set folder, e.g. `ratings.csv`.
        public var name: String
        /// The file's SHA-256 checksum as 64 lowercase hexadecimal digits.
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256.lowercased()
        }
    }

    /// The data set's name; also the name of its folder in the cache.
    public var name: String
    /// Where the zip archive is downloaded from.
    public var downloadURL: URL
    /// The folder inside the zip archive that holds the files.
    public var archiveFolder: String
    /// Every file the data set must contain.
    public var files: [ExpectedFile]

    public init(name: String, downloadURL: URL, archiveFolder: String, files: [ExpectedFile]) {
        self.name = name
        self.downloadURL = downloadURL
        self.archiveFolder = archiveFolder
        self.files = files
    }

    /// MovieLens ml-latest-small from GroupLens: about 100,000 ratings of 9,000 movies by 600 users.
    public static let movieLensLatestSmall = DatasetDescriptor(
        name: "ml-latest-small",
        downloadURL: URL(string: "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip")!,
        archiveFolder: "ml-latest-small",
        files: [
            ExpectedFile(name: "ratings.csv", sha256: "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646"),
            ExpectedFile(name: "movies.csv", sha256: "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07"),
            ExpectedFile(name: "tags.csv", sha256: "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d"),
            ExpectedFile(name: "links.csv", sha256: "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31"),
            ExpectedFile(name: "README.txt", sha256: "63d22ac138e80fae37021797ed8e1b9424b5239dc576a137422adf783ae3f404"),
        ]
    )
}
