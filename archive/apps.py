from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Mail archive"

    def ready(self) -> None:
        from archive import rawcodec, rawdicts

        # Raw mail packed with a dictionary finds it in the database by its id.
        rawcodec.set_loader(rawdicts.load)
