// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntdev: dma-buf export of foreign grants and grants of a dma-buf's
 * pages (IOCTL_GNTDEV_DMABUF_*, numbers 9 to 12). Linux builds these only
 * with CONFIG_XEN_GNTDEV_DMABUF, which Debian leaves off; here they exist
 * wherever the kernel has dma-buf at all.
 *
 * Export (EXP_FROM_REFS): the grants are mapped with one batch of the
 * core (struct gntcore_fmap), at the placeholders' kernel addresses, and
 * the placeholder pages become the buffer. Importers get a scatterlist of
 * those pages per attachment, DMA-mapped for their device. The grants
 * stay mapped until the dma-buf is released (its last file reference is
 * gone, so every importer has detached); the release op unmaps them.
 *
 * The fd is handed out last. Everything, including the copy of the fd
 * number to user space, is done while the fd is only reserved; then
 * fd_install() publishes the dma-buf and nothing touches it afterwards.
 * From that instant another thread may close the fd and release the
 * buffer (the use-after-free of CVE-2025-38595 was a write to the buffer's
 * state after its fd was installed).
 *
 * Wait (EXP_WAIT_RELEASED): finds a buffer this file exported by its fd
 * and sleeps until its release op has run, or the caller's time-out.
 *
 * Import (IMP_TO_REFS): attaches to a dma-buf of any exporter, maps the
 * attachment and grants its pages to a domain with
 * gntcore_grant_existing(), which holds a reference to each page. Release
 * (IMP_RELEASE, or closing the gntdev file) revokes the grants first: a
 * page the peer still maps goes to the core's deferred revocation with
 * its reference, so it is never freed under the peer. Then it unmaps and
 * detaches.
 *
 * GNTDEV_DMA_FLAG_WC and GNTDEV_DMA_FLAG_COHERENT ask for a buffer backed
 * by DMA-capable memory (Linux allocates it with gnttab_dma_alloc_pages(),
 * which exists only with CONFIG_XEN_GRANT_DMA_ALLOC, off in Debian). Our
 * buffer is foreign pages mapped into placeholders, which cannot honour
 * either property, so those flags are refused with EOPNOTSUPP rather than
 * ignored: a client that relies on them for coherency learns at once.
 *
 * Objects and lifetimes:
 *  - struct gntdev_dmabuf_file: the dma-buf state of one gntdev file.
 *    References: the file's (dropped at its release) and one per live
 *    export, which may outlive the file.
 *  - struct gntdev_dmabuf_exp: one exported buffer. References: the
 *    dma-buf's (dropped by its release op) and one per waiter.
 *  - struct gntdev_dmabuf_imp: one imported buffer, owned by its file's
 *    list until IMP_RELEASE or the file's release.
 *
 * Locks: gntdev_dmabuf_file.lock (a mutex) protects the two lists. It is
 * never held across a call into another dma-buf exporter, nor while
 * waiting.
 */
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/grant_table.h>

#include <xen/gntdev.h>
#include "gntdev.h"

/**
 * struct gntdev_dmabuf_file - the dma-buf state of one gntdev file
 * @kref:    the file's reference and one per live export
 * @lock:    protects @exports and @imports
 * @exports: struct gntdev_dmabuf_exp of this file not yet released
 * @imports: struct gntdev_dmabuf_imp of this file not yet released
 */
struct gntdev_dmabuf_file {
	struct kref kref;
	struct mutex lock; /* see above */
	struct list_head exports;
	struct list_head imports;
};

/**
 * struct gntdev_dmabuf_exp - grants exported as a dma-buf
 * @node:     in @file->exports from just before the fd is installed until
 *            release (empty otherwise)
 * @kref:     the dma-buf's reference and one per waiter
 * @released: completed by the release op
 * @file:     the exporting gntdev file's state (a reference is held)
 * @dmabuf:   the buffer; compared by waiters, never dereferenced through
 *            this pointer once the fd is installed
 * @fm:       the mapped grants; its pages are the buffer
 */
struct gntdev_dmabuf_exp {
	struct list_head node;
	struct kref kref;
	struct completion released;
	struct gntdev_dmabuf_file *file;
	struct dma_buf *dmabuf;
	struct gntcore_fmap *fm;
};

/**
 * struct gntdev_dmabuf_attach - one importer's view of an exported buffer
 * @sgt:    the buffer's pages
 * @dir:    direction of the DMA mapping, valid while @mapped
 * @mapped: @sgt is DMA-mapped for the importer's device
 */
struct gntdev_dmabuf_attach {
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
};

/**
 * struct gntdev_dmabuf_imp - a dma-buf whose pages we granted
 * @node:   in @file->imports
 * @dmabuf: the buffer (a reference is held)
 * @attach: our attachment
 * @sgt:    its mapping
 * @count:  number of pages
 * @grants: the grants, @count of them
 * @gp:     pointers to @grants, as the core's calls take them
 */
struct gntdev_dmabuf_imp {
	struct list_head node;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	unsigned int count;
	struct gntcore_gpage *grants;
	struct gntcore_gpage *gp[];
};

/* Extra counters of gntdev's stats file (see gntdev_dmabuf_stat_names). */
enum {
	GNTDEV_DMABUF_LIVE_EXPORTS,
	GNTDEV_DMABUF_LIVE_IMPORTS,
	GNTDEV_DMABUF_NR_STATS
};

static atomic64_t gntdev_dmabuf_stats[GNTDEV_DMABUF_NR_STATS];
static const char *const gntdev_dmabuf_stat_names[GNTDEV_DMABUF_NR_STATS] = {
	[GNTDEV_DMABUF_LIVE_EXPORTS] = "live_dmabuf_exports",
	[GNTDEV_DMABUF_LIVE_IMPORTS] = "live_dmabuf_imports",
};

/**
 * gntdev_dmabuf_init_stats() - add the dma-buf counters to gntdev's stats
 * @st: gntdev's counters, before they are registered
 */
void gntdev_dmabuf_init_stats(struct gntcore_stats *st)
{
	st->extra = gntdev_dmabuf_stats;
	st->extra_names = gntdev_dmabuf_stat_names;
	st->nr_extra = GNTDEV_DMABUF_NR_STATS;
}

/**
 * gntdev_dmabuf_open() - the dma-buf state of a new gntdev file
 *
 * Return: the state with the file's reference, or NULL.
 */
struct gntdev_dmabuf_file *gntdev_dmabuf_open(void)
{
	struct gntdev_dmabuf_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return NULL;
	kref_init(&df->kref);
	mutex_init(&df->lock);
	INIT_LIST_HEAD(&df->exports);
	INIT_LIST_HEAD(&df->imports);
	return df;
}

static void gntdev_dmabuf_file_free(struct kref *kref)
{
	struct gntdev_dmabuf_file *df =
		container_of(kref, struct gntdev_dmabuf_file, kref);

	mutex_destroy(&df->lock);
	kfree(df);
}

/* ------------------------------------------------------------- export */

static void gntdev_dmabuf_exp_free(struct kref *kref)
{
	kfree(container_of(kref, struct gntdev_dmabuf_exp, kref));
}

static int gntdev_dmabuf_exp_attach(struct dma_buf *dmabuf,
				    struct dma_buf_attachment *attach)
{
	struct gntdev_dmabuf_exp *exp = dmabuf->priv;
	unsigned int n = gntcore_fmap_count(exp->fm);
	struct gntdev_dmabuf_attach *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&a->sgt, gntcore_fmap_pages(exp->fm), n,
					0, (size_t)n << PAGE_SHIFT, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	attach->priv = a;
	return 0;
}

static void gntdev_dmabuf_exp_detach(struct dma_buf *dmabuf,
				     struct dma_buf_attachment *attach)
{
	struct gntdev_dmabuf_attach *a = attach->priv;

	if (a->mapped)
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&a->sgt);
	kfree(a);
}

/* One mapping per attachment at a time (the dma-buf core serialises). */
static struct sg_table *gntdev_dmabuf_exp_map(struct dma_buf_attachment *attach,
					      enum dma_data_direction dir)
{
	struct gntdev_dmabuf_attach *a = attach->priv;
	int ret;

	if (a->mapped)
		return ERR_PTR(-EBUSY);
	ret = dma_map_sgtable(attach->dev, &a->sgt, dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ERR_PTR(ret);
	a->dir = dir;
	a->mapped = true;
	return &a->sgt;
}

static void gntdev_dmabuf_exp_unmap(struct dma_buf_attachment *attach,
				    struct sg_table *sgt,
				    enum dma_data_direction dir)
{
	struct gntdev_dmabuf_attach *a = attach->priv;

	if (WARN_ON_ONCE(!a->mapped || sgt != &a->sgt))
		return;
	dma_unmap_sgtable(attach->dev, &a->sgt, a->dir, DMA_ATTR_SKIP_CPU_SYNC);
	a->mapped = false;
}

/*
 * The dma-buf's last reference is gone: no importer is attached. Unmap
 * the grants (the core completes the unmap once nobody else holds a
 * page), wake the waiters and drop the file's state.
 */
static void gntdev_dmabuf_exp_release(struct dma_buf *dmabuf)
{
	struct gntdev_dmabuf_exp *exp = dmabuf->priv;
	struct gntdev_dmabuf_file *df = exp->file;

	gntcore_fmap_unmap(exp->fm, 0, gntcore_fmap_count(exp->fm));
	gntcore_fmap_put(exp->fm);

	mutex_lock(&df->lock);
	list_del_init(&exp->node);
	mutex_unlock(&df->lock);
	complete_all(&exp->released);
	atomic64_dec(&gntdev_dmabuf_stats[GNTDEV_DMABUF_LIVE_EXPORTS]);
	kref_put(&df->kref, gntdev_dmabuf_file_free);
	kref_put(&exp->kref, gntdev_dmabuf_exp_free);
}

static const struct dma_buf_ops gntdev_dmabuf_exp_ops = {
	.attach = gntdev_dmabuf_exp_attach,
	.detach = gntdev_dmabuf_exp_detach,
	.map_dma_buf = gntdev_dmabuf_exp_map,
	.unmap_dma_buf = gntdev_dmabuf_exp_unmap,
	.release = gntdev_dmabuf_exp_release,
};

/* Flags of EXP_FROM_REFS: 0, or -errno (see the file comment). */
static int gntdev_dmabuf_check_flags(u32 flags)
{
	const u32 all = GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT;

	if ((flags & ~all) || flags == all)
		return -EINVAL;
	if (flags)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Map @count grants of @domid for a buffer: the map, or an ERR_PTR.
 * The map ops target the placeholders' kernel addresses (on PV that is
 * the host mapping itself, so no separate kernel map ops are made).
 */
static struct gntcore_fmap *
gntdev_dmabuf_map_refs(const u32 *refs, unsigned int count, domid_t domid)
{
	struct gntcore_fmap *fm;
	unsigned int i;
	int ret;

	fm = gntcore_fmap_alloc(&gntdev_stats, count, NULL, THIS_MODULE, NULL);
	if (!fm)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < count; i++)
		gntcore_fmap_set_op(fm, i, 0, 0, refs[i], domid);
	ret = gntcore_fmap_map(fm);
	if (ret) {
		gntcore_fmap_put(fm);
		return ERR_PTR(ret);
	}
	return fm;
}

long gntdev_ioctl_dmabuf_exp_from_refs(struct gntdev_priv *priv,
				       void __user *arg)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs __user *u = arg;
	struct gntdev_dmabuf_file *df = priv->dmabuf;
	struct ioctl_gntdev_dmabuf_exp_from_refs op;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct gntdev_dmabuf_exp *exp;
	struct gntcore_fmap *fm;
	struct dma_buf *dmabuf;
	u32 *refs;
	long ret;
	int fd;

	if (copy_from_user(&op, u, offsetof(typeof(op), refs)))
		return -EFAULT;
	ret = gntdev_dmabuf_check_flags(op.flags);
	if (ret)
		return ret;
	if (!op.count || op.count > READ_ONCE(gntdev_limit) ||
	    op.domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;

	refs = kvmalloc_array(op.count, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	if (copy_from_user(refs, u->refs,
			   array_size(op.count, sizeof(*refs)))) {
		kvfree(refs);
		return -EFAULT;
	}
	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp) {
		kvfree(refs);
		return -ENOMEM;
	}
	fm = gntdev_dmabuf_map_refs(refs, op.count, op.domid);
	kvfree(refs);
	if (IS_ERR(fm)) {
		kfree(exp);
		return PTR_ERR(fm);
	}

	INIT_LIST_HEAD(&exp->node);
	kref_init(&exp->kref);
	init_completion(&exp->released);
	exp->fm = fm;
	exp->file = df;
	exp_info.ops = &gntdev_dmabuf_exp_ops;
	exp_info.size = (size_t)op.count << PAGE_SHIFT;
	exp_info.flags = O_RDWR;
	exp_info.priv = exp;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		gntcore_fmap_unmap(fm, 0, gntcore_fmap_count(fm));
		gntcore_fmap_put(fm);
		kfree(exp);
		return PTR_ERR(dmabuf);
	}
	/* From here on the release op undoes everything above. */
	exp->dmabuf = dmabuf;
	kref_get(&df->kref);
	atomic64_inc(&gntdev_dmabuf_stats[GNTDEV_DMABUF_LIVE_EXPORTS]);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	/* Reserved, not installed: nobody else can reach the buffer yet. */
	if (put_user(fd, &u->fd)) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	mutex_lock(&df->lock);
	list_add(&exp->node, &df->exports);
	mutex_unlock(&df->lock);

	/* Last: the fd's reference may be dropped the instant it exists. */
	fd_install(fd, dmabuf->file);
	return 0;
}

/*
 * The export of @df whose dma-buf is @fd's, with a reference for the
 * caller; an ERR_PTR: -EBADF (no such fd), -EINVAL (not a dma-buf) or
 * -ENOENT (not one this file exported, or released already). *@last
 * tells whether the lookup held the buffer's last reference: nobody else
 * held it then, and no fd is left to take another.
 */
static struct gntdev_dmabuf_exp *
gntdev_dmabuf_exp_get(struct gntdev_dmabuf_file *df, int fd, bool *last)
{
	struct gntdev_dmabuf_exp *exp, *found = ERR_PTR(-ENOENT);
	struct dma_buf *dmabuf;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);
	mutex_lock(&df->lock);
	list_for_each_entry(exp, &df->exports, node) {
		if (exp->dmabuf == dmabuf) {
			kref_get(&exp->kref);
			found = exp;
			break;
		}
	}
	mutex_unlock(&df->lock);
	*last = file_count(dmabuf->file) == 1;
	/* The caller's fd may be its last reference: do not wait on it. */
	dma_buf_put(dmabuf);
	return found;
}

long gntdev_ioctl_dmabuf_exp_wait_released(struct gntdev_priv *priv,
					   void __user *arg)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released __user *u = arg;
	struct ioctl_gntdev_dmabuf_exp_wait_released op;
	struct gntdev_dmabuf_exp *exp;
	unsigned long timeout;
	bool last;
	long left;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.fd > INT_MAX)
		return -EBADF;
	exp = gntdev_dmabuf_exp_get(priv->dmabuf, op.fd, &last);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	if (last) {
		/*
		 * The fd was closed under us and our put was the last: the
		 * release runs on this thread's way back to user space
		 * (fput()'s task work), so waiting here would wait for it
		 * in vain. It is as good as released.
		 */
		kref_put(&exp->kref, gntdev_dmabuf_exp_free);
		return 0;
	}
	timeout = msecs_to_jiffies(op.wait_to_ms);
	left = wait_for_completion_interruptible_timeout(&exp->released,
							 timeout);
	kref_put(&exp->kref, gntdev_dmabuf_exp_free);
	if (left < 0)
		return left;
	return left ? 0 : -ETIMEDOUT;
}

/* ------------------------------------------------------------- import */

/*
 * Undo an import: revoke first (a page the peer still maps keeps the
 * grant's reference, in the core's deferred list), then let go of the
 * buffer. @imp must be off its list.
 */
static void gntdev_dmabuf_imp_free(struct gntdev_dmabuf_imp *imp)
{
	gntcore_revoke_pages(&gntdev_stats, imp->gp, imp->count);
	dma_buf_unmap_attachment_unlocked(imp->attach, imp->sgt,
					  DMA_BIDIRECTIONAL);
	dma_buf_detach(imp->dmabuf, imp->attach);
	dma_buf_put(imp->dmabuf);
	kvfree(imp->grants);
	kvfree(imp);
	atomic64_dec(&gntdev_dmabuf_stats[GNTDEV_DMABUF_LIVE_IMPORTS]);
}

/*
 * The pages of @sgt into @imp->gp[]: 0, or -EINVAL if the mapping is not
 * made of exactly @imp->count whole pages.
 */
static int gntdev_dmabuf_imp_pages(struct gntdev_dmabuf_imp *imp)
{
	struct sg_page_iter it;
	struct scatterlist *sg;
	unsigned int i = 0;

	for_each_sgtable_sg(imp->sgt, sg, i) {
		if (sg->offset || !PAGE_ALIGNED(sg->length))
			return -EINVAL;
	}
	i = 0;
	for_each_sgtable_page(imp->sgt, &it, 0) {
		struct page *page = sg_page_iter_page(&it);

		if (i >= imp->count || !page || !pfn_valid(page_to_pfn(page)))
			return -EINVAL;
		imp->gp[i++]->page = page;
	}
	return i == imp->count ? 0 : -EINVAL;
}

long gntdev_ioctl_dmabuf_imp_to_refs(struct gntdev_priv *priv, void __user *arg)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs __user *u = arg;
	struct gntdev_dmabuf_file *df = priv->dmabuf;
	struct ioctl_gntdev_dmabuf_imp_to_refs op;
	struct gntdev_dmabuf_imp *imp;
	struct dma_buf *dmabuf;
	unsigned int i;
	u32 *refs;
	long ret;

	if (copy_from_user(&op, u, offsetof(typeof(op), refs)))
		return -EFAULT;
	if (!op.count || op.count > READ_ONCE(gntdev_limit) ||
	    op.domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (op.fd > INT_MAX)
		return -EBADF;

	dmabuf = dma_buf_get(op.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = -EINVAL;
	if (dmabuf->size != (size_t)op.count << PAGE_SHIFT)
		goto err_put;

	ret = -ENOMEM;
	refs = kvmalloc_array(op.count, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		goto err_put;
	imp = kvzalloc(struct_size(imp, gp, op.count), GFP_KERNEL);
	if (!imp)
		goto err_refs;
	imp->count = op.count;
	imp->dmabuf = dmabuf;
	imp->grants = kvcalloc(op.count, sizeof(*imp->grants), GFP_KERNEL);
	if (!imp->grants)
		goto err_gp;
	for (i = 0; i < op.count; i++)
		imp->gp[i] = &imp->grants[i];

	imp->attach = dma_buf_attach(dmabuf, gntdev_dma_device());
	if (IS_ERR(imp->attach)) {
		ret = PTR_ERR(imp->attach);
		goto err_gp;
	}
	imp->sgt =
		dma_buf_map_attachment_unlocked(imp->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(imp->sgt)) {
		ret = PTR_ERR(imp->sgt);
		goto err_detach;
	}
	ret = gntdev_dmabuf_imp_pages(imp);
	if (ret)
		goto err_unmap;
	ret = gntcore_grant_existing(&gntdev_stats, imp->gp, op.count, op.domid,
				     false);
	if (ret)
		goto err_unmap;
	for (i = 0; i < op.count; i++)
		refs[i] = imp->gp[i]->ref;

	/* Granted: from here on the error path is the release's. */
	atomic64_inc(&gntdev_dmabuf_stats[GNTDEV_DMABUF_LIVE_IMPORTS]);
	if (copy_to_user(u->refs, refs, array_size(op.count, sizeof(*refs)))) {
		kvfree(refs);
		gntdev_dmabuf_imp_free(imp);
		return -EFAULT;
	}
	kvfree(refs);
	mutex_lock(&df->lock);
	list_add(&imp->node, &df->imports);
	mutex_unlock(&df->lock);
	return 0;

err_unmap:
	dma_buf_unmap_attachment_unlocked(imp->attach, imp->sgt,
					  DMA_BIDIRECTIONAL);
err_detach:
	dma_buf_detach(dmabuf, imp->attach);
err_gp:
	kvfree(imp->grants);
	kvfree(imp);
err_refs:
	kvfree(refs);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

long gntdev_ioctl_dmabuf_imp_release(struct gntdev_priv *priv, void __user *arg)
{
	struct ioctl_gntdev_dmabuf_imp_release __user *u = arg;
	struct gntdev_dmabuf_file *df = priv->dmabuf;
	struct ioctl_gntdev_dmabuf_imp_release op;
	struct gntdev_dmabuf_imp *imp, *found = NULL;
	struct dma_buf *dmabuf;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.fd > INT_MAX)
		return -EBADF;
	dmabuf = dma_buf_get(op.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	mutex_lock(&df->lock);
	list_for_each_entry(imp, &df->imports, node) {
		if (imp->dmabuf == dmabuf) {
			list_del(&imp->node);
			found = imp;
			break;
		}
	}
	mutex_unlock(&df->lock);
	dma_buf_put(dmabuf);
	if (!found)
		return -ENOENT;
	gntdev_dmabuf_imp_free(found);
	return 0;
}

/**
 * gntdev_dmabuf_release() - a gntdev file is closed
 * @df: its dma-buf state
 *
 * Releases the file's imports. Its exports live on until their dma-bufs
 * are released; they hold @df until then.
 */
void gntdev_dmabuf_release(struct gntdev_dmabuf_file *df)
{
	struct gntdev_dmabuf_imp *imp, *next;
	LIST_HEAD(imports);

	mutex_lock(&df->lock);
	list_splice_init(&df->imports, &imports);
	mutex_unlock(&df->lock);
	list_for_each_entry_safe(imp, next, &imports, node)
		gntdev_dmabuf_imp_free(imp);
	kref_put(&df->kref, gntdev_dmabuf_file_free);
}

MODULE_IMPORT_NS(XEN_GNT_DMA_BUF_NS);
