-- A local store file made by schema version 7 (a created store, two messages imported
-- into the Inbox: a plain text one and a quoted-printable one; logged off), as sqlite3's
-- .dump wrote it. The file's pragmas are not in a dump: the test sets page_size 16384,
-- application_id 0x4D415053, user_version 7.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('uid',X'2815e049c8cb5c053798383221a10d62');
CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        parent INTEGER,
        kind INTEGER UNIQUE,
        name TEXT NOT NULL,
        class TEXT NOT NULL,
        msg_count INTEGER NOT NULL DEFAULT 0
    , comment TEXT);
INSERT INTO folders VALUES(1,NULL,0,'Top of Information Store','IPF.Note',0,NULL);
INSERT INTO folders VALUES(2,1,1,'Inbox','IPF.Note',2,NULL);
INSERT INTO folders VALUES(3,1,2,'Outbox','IPF.Note',0,NULL);
INSERT INTO folders VALUES(4,1,3,'Sent Items','IPF.Note',0,NULL);
INSERT INTO folders VALUES(5,1,4,'Deleted Items','IPF.Note',0,NULL);
INSERT INTO folders VALUES(6,1,5,'Drafts','IPF.Note',0,NULL);
CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        folder INTEGER NOT NULL,
        subject TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        sender_email TEXT NOT NULL,
        display_to TEXT NOT NULL,
        display_cc TEXT NOT NULL,
        delivery_time INTEGER NOT NULL,
        submit_time INTEGER,
        size INTEGER NOT NULL,
        message_id TEXT,
        flags INTEGER NOT NULL,
        has_attach INTEGER NOT NULL,
        body TEXT NOT NULL,
        raw BLOB NOT NULL
    );
INSERT INTO messages VALUES(1,2,'Second v7 message','Ann','ann@example.org','Bob','',133516008000000000,133516008000000000,288,'<v7-2@example.org>',0,0,replace(replace('Grüße from v7.\r\n','\r',char(13)),'\n',char(10)),X'46726f6d3a20416e6e203c616e6e406578616d706c652e6f72673e0d0a546f3a20426f62203c626f62406578616d706c652e6f72673e0d0a5375626a6563743a205365636f6e64207637206d6573736167650d0a446174653a204d6f6e2c2030352046656220323032342031303a30303a3030202b303030300d0a4d6573736167652d49443a203c76372d32406578616d706c652e6f72673e0d0a4d494d452d56657273696f6e3a20312e300d0a436f6e74656e742d547970653a20746578742f706c61696e3b20636861727365743d7574662d380d0a436f6e74656e742d5472616e736665722d456e636f64696e673a2071756f7465642d7072696e7461626c650d0a0d0a47723d43333d42433d43333d3946652066726f6d2076372e0d0a');
INSERT INTO messages VALUES(2,2,'First v7 message','Ann','ann@example.org','Bob','',133515972000000000,133515972000000000,244,'<v7-1@example.org>',0,0,replace(replace('Plain v7 body, kept as is.\r\n','\r',char(13)),'\n',char(10)),X'46726f6d3a20416e6e203c616e6e406578616d706c652e6f72673e0d0a546f3a20426f62203c626f62406578616d706c652e6f72673e0d0a5375626a6563743a204669727374207637206d6573736167650d0a446174653a204d6f6e2c2030352046656220323032342030393a30303a3030202b303030300d0a4d6573736167652d49443a203c76372d31406578616d706c652e6f72673e0d0a4d494d452d56657273696f6e3a20312e300d0a436f6e74656e742d547970653a20746578742f706c61696e3b20636861727365743d7574662d380d0a0d0a506c61696e20763720626f64792c206b6570742061732069732e0d0a');
CREATE TABLE message_props (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            prop_id INTEGER NOT NULL,
            tag INTEGER NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0,
            value BLOB,
            UNIQUE (message, prop_id)
        );
CREATE TABLE prop_chunks (
            id INTEGER PRIMARY KEY,
            prop INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (prop, seq)
        );
CREATE TABLE message_versions (
            message INTEGER PRIMARY KEY,
            version INTEGER NOT NULL
        );
CREATE TABLE named_props (
            id INTEGER PRIMARY KEY CHECK (id BETWEEN 32768 AND 65534),
            guid BLOB NOT NULL,
            kind INTEGER NOT NULL,
            lid INTEGER,
            name TEXT,
            name_key TEXT NOT NULL,
            UNIQUE (guid, kind, name_key)
        );
CREATE TABLE message_recipients (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            row_id INTEGER NOT NULL,
            props BLOB NOT NULL,
            UNIQUE (message, row_id)
        );
CREATE TABLE message_attachments (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            num INTEGER NOT NULL,
            props BLOB NOT NULL,
            UNIQUE (message, num)
        );
CREATE TABLE attach_chunks (
            id INTEGER PRIMARY KEY,
            attach INTEGER NOT NULL,
            prop_id INTEGER NOT NULL,
            tag INTEGER NOT NULL,
            size INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (attach, prop_id, seq)
        );
CREATE TABLE store_changes (
        seq INTEGER PRIMARY KEY,
        kind INTEGER NOT NULL,
        is_folder INTEGER NOT NULL,
        object INTEGER NOT NULL,
        parent INTEGER,
        old_object INTEGER,
        old_parent INTEGER,
        flags INTEGER NOT NULL DEFAULT 0
    , last_object INTEGER);
INSERT INTO store_changes VALUES(1,1,1,1,NULL,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(2,1,1,2,1,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(3,1,1,3,1,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(4,1,1,4,1,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(5,1,1,5,1,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(6,1,1,6,1,NULL,NULL,0,NULL);
INSERT INTO store_changes VALUES(7,1,0,1,2,NULL,NULL,0,2);
CREATE INDEX messages_by_folder
            ON messages (folder, delivery_time DESC, id DESC);
CREATE INDEX messages_summary ON messages (folder, delivery_time DESC,
            id DESC, flags, size, has_attach, subject, sender_name, sender_email, display_to);
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
            UPDATE folders SET msg_count = msg_count - 1 WHERE id = OLD.folder;
        END;
CREATE TRIGGER messages_count_move AFTER UPDATE OF folder ON messages
            WHEN OLD.folder IS NOT NEW.folder BEGIN
            UPDATE folders SET msg_count = msg_count - 1 WHERE id = OLD.folder;
            UPDATE folders SET msg_count = msg_count + 1 WHERE id = NEW.folder;
        END;
CREATE TRIGGER message_props_delete AFTER DELETE ON message_props BEGIN
            DELETE FROM prop_chunks WHERE prop = OLD.id;
        END;
CREATE TRIGGER messages_objects_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_props WHERE message = OLD.id;
            INSERT INTO message_versions (message, version) VALUES (OLD.id, 1)
                ON CONFLICT (message) DO UPDATE SET version = version + 1;
        END;
CREATE TRIGGER messages_recipients_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_recipients WHERE message = OLD.id;
        END;
CREATE TRIGGER message_attachments_delete AFTER DELETE ON message_attachments BEGIN
            DELETE FROM attach_chunks WHERE attach = OLD.id;
        END;
CREATE TRIGGER messages_attachments_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_attachments WHERE message = OLD.id;
        END;
CREATE TRIGGER changes_prune AFTER INSERT ON store_changes
        WHEN NEW.seq % 1024 = 0 BEGIN
        DELETE FROM store_changes WHERE seq <= NEW.seq - 65536;
    END;
CREATE TRIGGER changes_message_delete AFTER DELETE ON messages BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (2, 0, OLD.id, OLD.folder, OLD.flags);
    END;
CREATE TRIGGER changes_message_move AFTER UPDATE OF folder ON messages
        WHEN OLD.folder IS NOT NEW.folder BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, old_object, old_parent, flags)
            VALUES (4, 0, NEW.id, NEW.folder, OLD.id, OLD.folder, NEW.flags);
    END;
CREATE TRIGGER changes_message_update AFTER UPDATE ON messages
        WHEN OLD.folder IS NEW.folder BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (3, 0, NEW.id, NEW.folder, NEW.flags);
    END;
CREATE TRIGGER changes_version_insert AFTER INSERT ON message_versions BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            SELECT 3, 0, id, folder, flags FROM messages WHERE id = NEW.message;
    END;
CREATE TRIGGER changes_version_update AFTER UPDATE ON message_versions BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            SELECT 3, 0, id, folder, flags FROM messages WHERE id = NEW.message;
    END;
CREATE TRIGGER changes_folder_insert AFTER INSERT ON folders BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (1, 1, NEW.id, NEW.parent);
    END;
CREATE TRIGGER changes_folder_delete AFTER DELETE ON folders BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (2, 1, OLD.id, OLD.parent);
    END;
CREATE TRIGGER changes_folder_move AFTER UPDATE OF parent ON folders
        WHEN OLD.parent IS NOT NEW.parent BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, old_object, old_parent)
            VALUES (4, 1, NEW.id, NEW.parent, OLD.id, OLD.parent);
    END;
CREATE TRIGGER changes_folder_rename AFTER UPDATE OF name ON folders
        WHEN OLD.parent IS NEW.parent AND OLD.name IS NOT NEW.name BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (3, 1, NEW.id, NEW.parent);
    END;
CREATE TRIGGER changes_folder_props AFTER UPDATE OF class, comment ON folders
        WHEN OLD.parent IS NEW.parent AND OLD.name IS NEW.name
            AND (OLD.class IS NOT NEW.class OR OLD.comment IS NOT NEW.comment) BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (3, 1, NEW.id, NEW.parent);
    END;
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
            UPDATE folders SET msg_count = msg_count + 1 WHERE id = NEW.folder;
        END;
CREATE TRIGGER changes_message_insert AFTER INSERT ON messages BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (1, 0, NEW.id, NEW.folder, NEW.flags);
    END;
COMMIT;
